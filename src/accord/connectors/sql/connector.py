"""The SQL connector: a legacy database as a source of records and a target of writes.

Configuration (a dict, as the landscape file gives it; see docs/connectors-hybrid.md):

    name: payroll               # optional, default sql
    system: hr                  # the role the legacy database plays
    url: mysql+pymysql://accord@payroll-db:3306/payroll   # any SQLAlchemy URL
    sources:                    # inbound streams, one per table (or view)
      - {name: workers, mapping: mappings/payroll-workers.yaml}
    targets:                    # outbound upserts, one mapping per kind of record
      - {mapping: mappings/legacy-invoices.yaml}

PostgreSQL, MariaDB/MySQL (PyMySQL ships with Accord), SQL Server and Oracle are a
driver away: install the driver and use its SQLAlchemy URL. Streams: one `SqlTableStream`
per source. Writers: `TableUpsert` (a `SqlTableWriter`) when targets are configured, and
`JournalPosting` (a `SqlTableJournals`) when a target maps `ledger_posting` records.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from accord.connectors.sdk import SYSTEMS, CheckResult, Stream, System
from accord.connectors.sdk.tabular import (
    InboundMapping,
    MappingFileError,
    OutboundMapping,
    inbound_mapping,
    outbound_mapping,
)
from accord.connectors.sql.journals import KIND as JOURNAL_KIND
from accord.connectors.sql.journals import SqlTableJournals, entry_column
from accord.connectors.sql.source import SqlTableStream
from accord.connectors.sql.target import SqlTableWriter


@dataclass(frozen=True)
class SqlSettings:
    """A validated SQL configuration."""

    name: str
    system: System
    url: str
    sources: tuple[tuple[str, InboundMapping], ...]
    targets: tuple[OutboundMapping, ...]

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SqlSettings:
        """Settings from a connector config; a bad one raises ValueError naming the key."""
        system = config.get("system")
        if system not in SYSTEMS:
            raise ValueError(f"system must be one of {', '.join(SYSTEMS)}, not {system!r}")
        if not config.get("url"):
            raise ValueError("url is required: the database's SQLAlchemy URL")
        sources = []
        for source in config.get("sources", ()):
            if not source.get("name") or not source.get("mapping"):
                raise ValueError("each source needs a name and a mapping")
            sources.append((str(source["name"]), inbound_mapping(source["mapping"])))
        targets = tuple(outbound_mapping(t["mapping"]) for t in config.get("targets", ()))
        for target in targets:
            if target.kind == JOURNAL_KIND:
                entry_column(target)  # journal rows are read back by the entry id
        if not sources and not targets:
            raise ValueError("configure at least one source or one target")
        names = [name for name, _ in sources]
        if len(set(names)) != len(names):
            raise ValueError(f"source names must be unique: {names}")
        return cls(
            str(config.get("name", "sql")), system, str(config["url"]), tuple(sources), targets
        )

    def __repr__(self) -> str:
        return f"SqlSettings(name={self.name!r}, url={sa.make_url(self.url)!r})"


def create_engine(url: str) -> sa.Engine:
    """An engine that checks a pooled connection before use, so a database restart
    costs one reconnect instead of a failed read."""
    return sa.create_engine(url, pool_pre_ping=True)


class SqlConnector:
    """A legacy database (see the module docs)."""

    def __init__(self, settings: SqlSettings) -> None:
        self.settings = settings
        self.engine = create_engine(settings.url)
        self._streams = [
            SqlTableStream(name, self.engine, mapping) for name, mapping in settings.sources
        ]
        self.writer = SqlTableWriter(self.engine, list(settings.targets))
        journal = [target for target in settings.targets if target.kind == JOURNAL_KIND]
        self.journals = SqlTableJournals(self.engine, self.writer, journal[0]) if journal else None

    @property
    def name(self) -> str:
        return self.settings.name

    @property
    def system(self) -> System:
        return self.settings.system

    def check(self, config: Mapping[str, Any]) -> CheckResult:
        """Validate `config` (its mappings too), connect, and find every table and column
        the mappings name."""
        try:
            settings = SqlSettings.from_config(config)
            engine = create_engine(settings.url)
        except (ValueError, MappingFileError, ArgumentError, NoSuchModuleError) as error:
            return CheckResult(ok=False, message=f"configuration: {error}")
        try:
            missing = _missing_columns(engine, settings)
        except DBAPIError as error:
            return CheckResult(ok=False, message=f"the database cannot be reached: {error.orig}")
        finally:
            engine.dispose()
        if missing:
            return CheckResult(
                ok=False,
                message="missing in the database: " + "; ".join(missing),
                details={"reachable": True, "authenticated": True},
            )
        return CheckResult(
            ok=True,
            message=f"{len(settings.sources)} source(s) and {len(settings.targets)} target(s) "
            "found in the database",
            details={
                "reachable": True,
                "authenticated": True,
                "read": bool(settings.sources) or None,
                "write": bool(settings.targets) or None,
            },
        )

    def streams(self) -> list[Stream]:
        return list(self._streams)

    def ports(self) -> dict[str, object]:
        """`TableUpsert` when targets are configured, and `JournalPosting` when one of
        them takes ledger postings (a legacy ERP's journal table)."""
        writers: dict[str, object] = {}
        if self.settings.targets:
            writers["TableUpsert"] = self.writer
        if self.journals is not None:
            writers["JournalPosting"] = self.journals
        return writers

    def close(self) -> None:
        self.engine.dispose()


def _missing_columns(engine: sa.Engine, settings: SqlSettings) -> list[str]:
    """Every table or column a mapping names that the database does not have."""
    wanted: dict[str, set[str]] = {}
    for _, mapping in settings.sources:
        table = mapping.document.table
        if table is None:
            raise ValueError(f"mapping {mapping.label}: table is required for a source")
        wanted.setdefault(table.name, set()).update([*table.key, table.cursor or table.key[0]])
        for child in table.children.values():
            wanted.setdefault(child.table, set()).add(child.key)
    for target in settings.targets:
        if target.document.table is not None:
            wanted.setdefault(target.document.table.name, set()).update(target.column_names)
    inspector = sa.inspect(engine)
    missing = []
    for name, columns in sorted(wanted.items()):
        if not inspector.has_table(name):
            missing.append(f"table {name}")
            continue
        present = {column["name"] for column in inspector.get_columns(name)}
        missing += [f"column {name}.{column}" for column in sorted(columns - present)]
    return missing
