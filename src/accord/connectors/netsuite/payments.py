"""Customer payments read with SuiteQL, in internal id order, mapped by a YAML file.

A read asks for the payments after the cursor's internal id (NetSuite numbers new
records increasingly):

    SELECT id, externalid, ... FROM transaction
    WHERE type = 'CustPymt' AND id > 1234 ORDER BY id

paged by `limit`/`offset` (see `rest`). A row its mapping cannot read is a `rejected`
record (the exception queue names record, field and expression); the rest proceed. A
row delivered twice by the server is skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from accord.canonical.base import CanonicalModel
from accord.canonical.v1 import Payment
from accord.connectors.netsuite.rest import NetSuiteSession
from accord.connectors.sdk import Cursor, Page, RejectedRecord, decode_cursor, encode_cursor
from accord.connectors.sdk.preview import RecordMapper
from accord.connectors.sdk.tabular import InboundMapping, MappingFileError, inbound_mapping
from accord.connectors.sdk.tabular.inbound import RowRejected

MAPPINGS = Path(__file__).parent / "mappings"
"""The shipped default mappings."""


def payment_mapping(source: str | Path | Mapping[str, Any]) -> InboundMapping:
    """Load and check a payment mapping: `table.cursor` must be the internal `id`."""
    mapping = inbound_mapping(source)
    table = mapping.document.table
    if mapping.kind != "payment" or table is None or table.cursor != "id":
        raise MappingFileError(
            f"mapping {mapping.label}: map SuiteQL rows of transaction to payment records, "
            "with table: {name: transaction, key: externalid, cursor: id}"
        )
    return mapping


class PaymentsStream:
    """The `payments` stream (see the module docs)."""

    name = "payments"

    def __init__(self, session: NetSuiteSession, mapping: InboundMapping) -> None:
        self._session = session
        self.mapping = mapping

    def query(self, after: int) -> str:
        columns = ", ".join(c.name for c in self.mapping.document.columns)
        return (
            f"SELECT {columns} FROM transaction WHERE type = 'CustPymt' AND id > {int(after)} "
            "ORDER BY id"
        )

    def rows(self, after: int = 0, limit: int = 1000) -> list[dict[str, Any]]:
        """Up to `limit` payment rows after internal id `after`, each once."""
        rows: list[dict[str, Any]] = []
        last = after
        for row in self._session.suiteql(self.query(after), limit=min(limit, 1000)):
            if int(row["id"]) <= last:
                continue
            rows.append(row)
            last = int(row["id"])
            if len(rows) > limit:
                break
        return rows

    def read(self, cursor: Cursor | None, limit: int) -> Page[CanonicalModel]:
        after = int(decode_cursor(cursor).get("after", 0))
        found = self.rows(after, limit)
        page = found[:limit]
        if not page:
            return Page([], cursor, has_more=False)
        records: list[CanonicalModel] = []
        rejected: list[RejectedRecord] = []
        for row in page:
            try:
                records.append(self.map(row))
            except RowRejected as problem:
                rejected.append(
                    RejectedRecord(f"transaction:{row['id']}", "payment", row, str(problem))
                )
        next_cursor = encode_cursor({"after": int(page[-1]["id"])})
        return Page(records, next_cursor, len(found) > limit, rejected)

    def map(self, row: Mapping[str, Any]) -> Payment:
        """The canonical payment of one row, or `RowRejected` naming what is wrong."""
        payment = self.mapping.map_row(row, f"transaction {row.get('id')}")
        assert isinstance(payment, Payment)
        return payment


def record_mappers(config: Mapping[str, Any]) -> dict[str, RecordMapper]:
    """The payments mapper of `netsuite`, for `accord mapping test` (a `RecordMappers`):
    SuiteQL rows of `transaction` as the payments stream reads them."""
    mapping = payment_mapping(config.get("mapping") or MAPPINGS / "payment.yaml")
    return {"payments": lambda row: mapping.map_row(row, f"transaction {row.get('id')}")}
