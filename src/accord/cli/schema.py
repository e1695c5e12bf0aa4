"""`accord schema export|check`: keep the committed canonical JSON Schemas current and safe."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from accord.canonical.jsonschema import check_compatibility, export_schemas, render, stale_schemas
from accord.landscape import SCHEMA_FILE, landscape_schema

schema_app = typer.Typer(
    name="schema",
    help="Export the canonical JSON Schemas and check their compatibility.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(schema_app, name="schema")


@schema_app.command("export")
def export(
    dest: Path = typer.Option(Path("schemas"), help="directory that holds <name>/v<N>.json"),
) -> None:
    """Write one JSON Schema 2020-12 file per canonical model and version, and the
    landscape file's schema."""
    written = export_schemas(dest)
    (dest / SCHEMA_FILE).write_text(render(landscape_schema()), encoding="utf-8")
    written.append(dest / SCHEMA_FILE)
    Console().print(f"wrote {len(written)} schema files under {dest}")


@schema_app.command("check")
def check(
    dir: Path = typer.Option(Path("schemas"), "--dir", help="directory of committed schemas"),
) -> None:
    """Fail when the code's schemas can't read data written with a committed version."""
    console = Console()
    if not dir.is_dir():
        console.print(f"[red]no schema directory at {dir}[/red]: run `accord schema export`")
        raise typer.Exit(code=2)
    problems = check_compatibility(dir)
    if problems:
        table = Table(title="Breaking changes (BACKWARD_TRANSITIVE)")
        for column in ("schema", "version", "field", "reason"):
            table.add_column(column)
        for problem in problems:
            table.add_row(
                problem.schema, f"v{problem.version}", problem.field_path or "-", problem.reason
            )
        console.print(table)
        console.print(
            f"[red]{len(problems)} incompatible change(s)[/red]: make the field optional "
            "with a default, keep the removed field, or widen the type instead"
        )
        raise typer.Exit(code=1)
    console.print("compatible")
    for path in stale_schemas(dir):
        console.print(f"[yellow]not exported yet:[/yellow] {path} (run `accord schema export`)")
