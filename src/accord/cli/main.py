"""The `accord` command line: one Typer app, one sub-module per topic."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="accord",
    help="Accord — contract-to-cash integration hub for professional-services firms.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


def _register() -> None:
    """Attach each topic's commands; topics live in their own modules to stay small."""
    from accord.cli import (
        api,
        audit,
        events,
        exceptions,
        hub,
        keys,
        periods,
        reconciliation,
        sandbox,
        scenario,
        schema,
    )

    hub.register(app)
    schema.register(app)
    events.register(app)
    keys.register(app)
    audit.register(app)
    api.register(app)
    scenario.register(app)
    exceptions.register(app)
    periods.register(app)
    reconciliation.register(app)
    sandbox.register(app)


_register()
