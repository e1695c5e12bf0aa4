"""Ledger journals as rows of a legacy journal table (the application's `JournalPosting`
port).

Each entry is upserted by the target whose mapping takes `ledger_posting` records (e.g.
`mappings/gl-journal.yaml`, one row per journal line keyed on entity, document and line),
in one transaction: a repeat leaves the same rows. The entry id lives in the column the
mapping fills from `record.document_number`; what is posted is read back by that column,
so an entry whose rows are in the table is posted (status `booked`, the entry id as its
number), whoever wrote them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from accord.canonical.v1.finance import LedgerPosting
from accord.connectors.sdk import PostedDocument, UnavailableError
from accord.connectors.sdk.tabular import OutboundMapping
from accord.connectors.sql.target import SqlTableWriter

KIND = LedgerPosting.SCHEMA_NAME
ENTRY_ID = "record.document_number"


def entry_column(mapping: OutboundMapping) -> str:
    """The column that holds the entry id; ValueError when the mapping has none."""
    for name, expression in mapping.values.items():
        if expression.text.strip() == ENTRY_ID:
            return name
    raise ValueError(
        f"mapping {mapping.label}: journal entries need a column with value {ENTRY_ID}, "
        "to read back which entries the table holds"
    )


class SqlTableJournals:
    """`JournalPosting` into the mapped journal table (see the module docs)."""

    def __init__(self, engine: sa.Engine, writer: SqlTableWriter, mapping: OutboundMapping):
        if mapping.document.table is None:
            raise ValueError(f"mapping {mapping.label}: table is required for a target")
        self._engine = engine
        self._writer = writer
        self._table = mapping.document.table.name
        self._column = entry_column(mapping)

    def post_journal(self, posting: LedgerPosting) -> PostedDocument:
        """Upsert the entry's rows; a repeat leaves the same rows."""
        self._writer.upsert(posting)
        return _posted(posting.document_number)

    def posted_journals(self, document_numbers: Sequence[str]) -> Mapping[str, PostedDocument]:
        """The entries among these ids that have rows in the table, by id."""
        if not document_numbers:
            return {}
        column: sa.ColumnClause[str] = sa.column(self._column)
        query = (
            sa.select(column)
            .select_from(sa.table(self._table, column))
            .where(column.in_(list(document_numbers)))
            .distinct()
        )
        try:
            with self._engine.connect() as connection:
                held = connection.execute(query).scalars().all()
        except DBAPIError as error:
            raise UnavailableError(f"{self._table}: {error.orig or error}") from error
        return {str(number): _posted(str(number)) for number in held}


def _posted(document_number: str) -> PostedDocument:
    return PostedDocument(external_id=document_number, number=document_number, status="booked")
