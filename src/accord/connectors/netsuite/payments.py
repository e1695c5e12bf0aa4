"""Customer payments read with SuiteQL by last modification, mapped by a YAML file.

A read asks for the payments modified since the cursor's stamp, oldest first:

    SELECT id, externalid, ..., TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS')
      AS lastmodified FROM transaction WHERE type = 'CustPymt'
      AND lastmodifieddate >= TO_TIMESTAMP('2026-01-05 09:45:00', 'YYYY-MM-DD HH24:MI:SS')
      ORDER BY lastmodifieddate, id

paged by `limit`/`offset` (see `rest`). NetSuite stamps a record when its transaction
starts, so a payment saved late can carry a stamp older than rows already read, and
internal ids are not handed out in commit order either: every read looks back the
window (`LookBack`, the `look_back_seconds` setting, default `LOOK_BACK`) before the last
stamp delivered and skips what the cursor says it delivered already (internal id and
stamp, so a payment changed again is delivered again). A row
its mapping cannot read is a `rejected` record (the exception queue names record, field
and expression); the rest proceed. A row the server delivers twice is skipped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from accord.canonical.base import CanonicalModel
from accord.canonical.v1 import Payment
from accord.connectors.netsuite.rest import NetSuiteSession
from accord.connectors.sdk import Cursor, Page, RejectedRecord
from accord.connectors.sdk.lookback import LookBack
from accord.connectors.sdk.preview import RecordMapper
from accord.connectors.sdk.tabular import InboundMapping, MappingFileError, inbound_mapping
from accord.connectors.sdk.tabular.inbound import RowRejected

MAPPINGS = Path(__file__).parent / "mappings"
"""The shipped default mappings."""
LOOK_BACK = dt.timedelta(minutes=15)
"""NetSuite's default window: a transaction's stamp is its start, which can be long
before it commits."""
STAMP = "lastmodified"
"""The column the stream adds to the mapping's: the last modification, to the second."""
STAMP_FORMAT = "YYYY-MM-DD HH24:MI:SS"
"""SuiteQL's (Oracle's) format of the stamp; fixed width, so stamps compare as strings."""
PYTHON_FORMAT = "%Y-%m-%d %H:%M:%S"


def payment_mapping(source: str | Path | Mapping[str, Any]) -> InboundMapping:
    """Load and check a payment mapping: `table.cursor` must be `lastmodifieddate`."""
    mapping = inbound_mapping(source)
    table = mapping.document.table
    if mapping.kind != "payment" or table is None or table.cursor != "lastmodifieddate":
        raise MappingFileError(
            f"mapping {mapping.label}: map SuiteQL rows of transaction to payment records, "
            "with table: {name: transaction, key: externalid, cursor: lastmodifieddate}"
        )
    return mapping


class PaymentsStream:
    """The `payments` stream (see the module docs)."""

    name = "payments"

    def __init__(
        self, session: NetSuiteSession, mapping: InboundMapping, look_back: dt.timedelta = LOOK_BACK
    ) -> None:
        self._session = session
        self.mapping = mapping
        self._look_back = look_back

    def query(self, since: str | None) -> str:
        """The SuiteQL of the payments modified at or after `since` (all without it)."""
        columns = ", ".join(c.name for c in self.mapping.document.columns)
        stamp = f"TO_CHAR(lastmodifieddate, '{STAMP_FORMAT}') AS {STAMP}"
        where = "type = 'CustPymt'"
        if since is not None:
            where += f" AND lastmodifieddate >= TO_TIMESTAMP('{since}', '{STAMP_FORMAT}')"
        return (
            f"SELECT {columns}, {stamp} FROM transaction WHERE {where} "
            "ORDER BY lastmodifieddate, id"
        )

    def rows(self, since: str | None = None) -> Iterator[dict[str, Any]]:
        """Every payment row modified at or after `since`, oldest first, each row once."""
        delivered: set[str] = set()
        for row in self._session.suiteql(self.query(since)):
            if _key(row) not in delivered:
                delivered.add(_key(row))
                yield row

    def read(self, cursor: Cursor | None, limit: int) -> Page[CanonicalModel]:
        position = LookBack(cursor, self._look_back, _parse)
        start = position.start()
        page: list[dict[str, Any]] = []
        has_more = False
        for row in self.rows(start.strftime(PYTHON_FORMAT) if start else None):
            if position.delivered(str(row["id"]), row[STAMP]):
                continue
            if len(page) == max(limit, 1):
                has_more = True
                break
            position.deliver(str(row["id"]), row[STAMP])
            page.append(row)
        if not page:
            return Page([], cursor, has_more=False)
        records, rejected = self._mapped(page)
        return Page(records, position.cursor(), has_more, rejected)

    def _mapped(
        self, rows: list[dict[str, Any]]
    ) -> tuple[list[CanonicalModel], list[RejectedRecord]]:
        records: list[CanonicalModel] = []
        rejected: list[RejectedRecord] = []
        for row in rows:
            try:
                records.append(self.map(row))
            except RowRejected as problem:
                rejected.append(
                    RejectedRecord(f"transaction:{row['id']}", "payment", row, str(problem))
                )
        return records, rejected

    def map(self, row: Mapping[str, Any]) -> Payment:
        """The canonical payment of one row, or `RowRejected` naming what is wrong."""
        payment = self.mapping.map_row(row, f"transaction {row.get('id')}")
        assert isinstance(payment, Payment)
        return payment


def _key(row: Mapping[str, Any]) -> str:
    return f"{row['id']}@{row[STAMP]}"


def _parse(stamp: str) -> dt.datetime:
    return dt.datetime.strptime(stamp, PYTHON_FORMAT)


def record_mappers(config: Mapping[str, Any]) -> dict[str, RecordMapper]:
    """The payments mapper of `netsuite`, for `accord mapping test` (a `RecordMappers`):
    SuiteQL rows of `transaction` as the payments stream reads them."""
    mapping = payment_mapping(config.get("mapping") or MAPPINGS / "payment.yaml")
    return {"payments": lambda row: mapping.map_row(row, f"transaction {row.get('id')}")}
