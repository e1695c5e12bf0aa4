"""Writing canonical records into legacy tables: upserts keyed on the business key.

Each record becomes its mapping's rows (one, or one per line with `each`), written in one
transaction: a row whose key exists is updated in place, any other inserted. Writing the
same record twice leaves the same rows; a record the mapping cannot turn into rows writes
nothing and is refused with the column and expression named. The update-then-insert form
runs on every database SQLAlchemy speaks; a concurrent insert of the same key makes the
unique key refuse ours, and the whole write is tried once more, as an update.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError

from accord.canonical.base import CanonicalModel
from accord.connectors.sdk import RejectedError, UnavailableError
from accord.connectors.sdk.tabular import OutboundMapping, RecordNotMapped
from accord.connectors.sdk.tabular.document import TableLayout


class SqlTableWriter:
    """Upserts records into the tables their outbound mappings name (see module docs)."""

    def __init__(self, engine: sa.Engine, mappings: Sequence[OutboundMapping]) -> None:
        self._engine = engine
        self._targets: dict[str, tuple[OutboundMapping, TableLayout]] = {}
        for mapping in mappings:
            if mapping.document.table is None:
                raise ValueError(f"mapping {mapping.label}: table is required for a target")
            missing = set(mapping.document.table.key) - set(mapping.column_names)
            if missing:
                raise ValueError(
                    f"mapping {mapping.label}: table.key {sorted(missing)} must be columns"
                )
            self._targets[mapping.kind] = (mapping, mapping.document.table)

    @property
    def kinds(self) -> list[str]:
        return sorted(self._targets)

    def upsert(self, record: CanonicalModel) -> str:
        """Write `record`'s rows; returns its business key. `RejectedError` when no target
        takes its kind or its mapping fails; `UnavailableError` when the database is down."""
        target = self._targets.get(record.SCHEMA_NAME)
        if target is None:
            raise RejectedError(
                422, "", reason=f"no target table is configured for {record.SCHEMA_NAME}"
            )
        mapping, layout = target
        try:
            rows = mapping.rows(record)
        except RecordNotMapped as error:
            raise RejectedError(422, "", reason=f"{mapping.label}: {error}") from None
        for attempt in (1, 2):
            try:
                with self._engine.begin() as connection:
                    for row in rows:
                        _upsert_row(connection, layout, row)
                return record.business_key()
            except IntegrityError as error:
                # A concurrent writer inserted the same key first: the second attempt
                # updates its row. A second violation is a real one (NOT NULL, a type).
                if attempt == 2:
                    raise RejectedError(
                        409, "", reason=f"{layout.name}: {error.orig or error}"
                    ) from None
            except DBAPIError as error:
                raise UnavailableError(f"{layout.name}: {error.orig or error}") from error
        raise AssertionError("unreachable")


def _upsert_row(connection: sa.Connection, layout: TableLayout, row: Mapping[str, Any]) -> None:
    """Update the row with this key, or insert it when there is none."""
    table = sa.table(layout.name, *(sa.column(name) for name in row))
    matches = sa.and_(*(table.c[name] == row[name] for name in layout.key))
    changes = {name: value for name, value in row.items() if name not in layout.key}
    if changes:
        if connection.execute(table.update().where(matches).values(changes)).rowcount:
            return
    elif connection.execute(sa.select(sa.literal(1)).select_from(table).where(matches)).first():
        return
    connection.execute(table.insert().values(dict(row)))
