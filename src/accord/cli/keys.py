"""`accord keys create|list|revoke`: API keys for systems and people (shown once, stored
hashed)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import typer
from rich.console import Console
from rich.table import Table

from accord.adapters.governance import AuditKeyError, audit_anchoring, build_sql_governance
from accord.adapters.store import create_store_engine, migrate
from accord.application.governance import Governance, GovernanceSettings
from accord.application.security import Role
from accord.settings import Settings

console = Console()
keys = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
CLI_ACTOR = "cli:operator"


def register(app: typer.Typer) -> None:
    app.add_typer(keys, name="keys")


@contextmanager
def open_governance() -> Iterator[Governance]:
    """Governance services on the configured store (migrated first)."""
    settings = Settings.from_env()
    try:
        anchoring = audit_anchoring(settings)
    except AuditKeyError as error:
        console.print(f"[red]error:[/] {error}")
        raise typer.Exit(code=2) from None
    engine = create_store_engine(settings.database_url)
    try:
        migrate(engine)
        yield build_sql_governance(engine, GovernanceSettings.from_env(), anchoring=anchoring)
    finally:
        engine.dispose()


@keys.command("create")
def create(
    name: str = typer.Argument(..., help="who or what uses the key, e.g. psa-connector"),
    role: list[Role] = typer.Option(..., "--role", help="a role the key grants (repeatable)"),
    days: int = typer.Option(90, help="days until the key expires; 0 for never"),
) -> None:
    """Create a key and print its token once; only its SHA-256 is stored."""
    with open_governance() as governance, governance.audit.transaction():
        issued = governance.keys.create(name, role, timedelta(days=days) if days else None)
        governance.audit.record(
            CLI_ACTOR,
            "api_key.created",
            f"api_key:{issued.record.key_id}",
            after={"name": name, "roles": sorted(role), "days": days},
            correlation_id=f"cli:{issued.record.key_id}",
        )
    console.print(f"key id {issued.record.key_id} ({', '.join(sorted(role))})")
    console.print("token (store it now, it is not shown again):")
    print(issued.token)


@keys.command("list")
def list_keys() -> None:
    """List keys with roles, expiry and state (the one a request with the key meets);
    secrets are never shown."""
    with open_governance() as governance:
        keys = governance.keys
        rows = [(record, keys.state(record)) for record in keys.list()]
    table = Table("key id", "name", "roles", "created", "expires", "state")
    for record, state in rows:
        table.add_row(
            record.key_id,
            record.name,
            ", ".join(sorted(record.roles)),
            record.created_at.strftime("%Y-%m-%d"),
            record.expires_at.strftime("%Y-%m-%d") if record.expires_at else "never",
            state,
        )
    console.print(table)


@keys.command("revoke")
def revoke(key_id: str = typer.Argument(..., help="the key id `accord keys list` shows")) -> None:
    """Revoke a key at once; requests and dashboard sessions with it are refused from now
    on."""
    with open_governance() as governance:
        with governance.audit.transaction():
            revoked = governance.keys.revoke(key_id)
            if revoked:
                governance.audit.record(
                    CLI_ACTOR,
                    "api_key.revoked",
                    f"api_key:{key_id}",
                    before={"state": "active"},
                    after={"state": "revoked"},
                    correlation_id=f"cli:{key_id}",
                )
        if not revoked:
            console.print(f"[red]error:[/] no active key {key_id}; see `accord keys list`.")
            raise typer.Exit(code=1)
    console.print(f"revoked {key_id}")
