"""`accord mapping test SYSTEM SAMPLE.json`: what a mapping makes of sample records.

SYSTEM is a key of the landscape file (`crm`, `systems.crm`, `sources.payroll`), or,
with no landscape entry of that name, a connector's name (`salesforce`) to try its shipped
default mapping. The command runs, with no system reached and nothing stored, the
mapping the landscape configures for that system (`--mapping FILE` in its place) over
the sample's raw vendor records, and prints one JSON document: the canonical records and,
where they differ from what the shipped default mapping makes, each differing field. A
record the mapping cannot read exits 2 with the record, the field and the expression.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from accord.cli.landscape import landscape_or_exit
from accord.cli.mapping_diff import Mapped, differences, map_sample, sample_records
from accord.connectors.sdk.preview import ENTRY_POINTS, RecordMapper, RecordMappers

mapping_app = typer.Typer(help="Mapping files: what they make of sample vendor records.")
errors = Console(stderr=True, soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.add_typer(mapping_app, name="mapping")


def _fail(message: str) -> typer.Exit:
    errors.print(message, style="red", markup=False, highlight=False)
    return typer.Exit(2)


def _system(system: str, config: Path | None) -> tuple[str, str, dict[str, Any]]:
    """The landscape key, connector name and connector config that SYSTEM names."""
    landscape = landscape_or_exit(config)
    entries = landscape.entries()
    for key in (system, f"systems.{system}", f"sources.{system}"):
        if key in entries:
            return key, entries[key].connector, landscape.connector_config(key)
    if system in _mapper_names():
        return system, system, {}
    raise _fail(
        f"no system {system!r}: name a key of the landscape file "
        f"({', '.join(entries)}) or a connector with mappings ({', '.join(_mapper_names())})"
    )


def _mapper_names() -> list[str]:
    return sorted(point.name for point in entry_points(group=ENTRY_POINTS))


def _mappers(connector: str, config: Mapping[str, Any]) -> dict[str, RecordMapper]:
    """The connector's stream mappers built from `config`; exit 2 when it has none or a
    mapping file is bad."""
    found = entry_points(group=ENTRY_POINTS, name=connector)
    if not found:
        raise _fail(
            f"connector {connector!r} maps no records through mapping files; "
            f"these do: {', '.join(_mapper_names())}"
        )
    build: RecordMappers = next(iter(found)).load()
    try:
        return build(config)
    except (ValueError, KeyError, TypeError) as error:
        raise _fail(f"mapping of {connector}: {error}") from None


@mapping_app.command("test")
def test(
    system: str = typer.Argument(..., help="landscape key (crm, sources.payroll) or connector"),
    sample: Path = typer.Argument(..., help="JSON: raw records, or {stream: [records]}"),
    config: Path | None = typer.Option(
        None, "--config", help="the landscape file (default ACCORD_CONFIG; none: the sandbox)"
    ),
    mapping: Path | None = typer.Option(
        None, "--mapping", help="a mapping file to try in place of the configured one"
    ),
) -> None:
    """Map SAMPLE's records with the system's mapping; print the canonical records and
    how they differ from the shipped default's. Exit 2 for a record the mapping cannot
    read (naming record, field and expression) or bad input."""
    key, connector, settings = _system(system, config)
    if mapping is not None:
        settings = settings | {"mapping": str(mapping.resolve())}
    mappers = _mappers(connector, settings)
    try:
        records = sample_records(sample, list(mappers))
        mapped = map_sample(mappers, records)
    except ValueError as error:
        raise _fail(str(error)) from None
    report: dict[str, Any] = {
        "system": key,
        "connector": connector,
        "mapping": settings.get("mapping") or "default",
        "records": [{"stream": m.stream, "record": m.record} for m in mapped],
    }
    if settings.get("mapping"):
        defaults = _mappers(connector, {k: v for k, v in settings.items() if k != "mapping"})
        report["differences_from_default"] = differences(mapped, defaults, records)
    typer.echo(json.dumps(report, indent=2, ensure_ascii=False))
    _summary(mapped, report.get("differences_from_default", []))


def _summary(mapped: list[Mapped], found: list[dict[str, Any]]) -> None:
    errors.print(f"{len(mapped)} record(s) mapped", markup=False, highlight=False)
    for difference in found:
        errors.print(
            f"record {difference['record']} ({difference['stream']}) field "
            f"{difference['field']}: default {json.dumps(difference['default'])} -> "
            f"this mapping {json.dumps(difference['mapping'])}",
            markup=False,
            highlight=False,
        )
