"""`accord up`: run the hub (worker, outbox relay, HTTP server) on the configured store."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    app.command("up")(up)


def up(
    host: str = typer.Option(None, help="HTTP bind address (default ACCORD_HTTP_HOST or 127.0.0.1)"),
    port: int = typer.Option(None, help="HTTP port (default ACCORD_HTTP_PORT or 8400)"),
) -> None:
    """Start the hub on the embedded default: worker, outbox relay and dashboard."""
    raise typer.Exit(code=1)
