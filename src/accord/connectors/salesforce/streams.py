"""Changes of one sObject read with SOQL, in `SystemModstamp` order, paged by Salesforce.

A read asks for the records stamped at or after the cursor's last stamp less the
look-back window (`LookBack`, the `look_back_seconds` setting):

    SELECT Id, SystemModstamp, ... FROM Account
    WHERE SystemModstamp >= 2026-01-31T09:55:00Z
    ORDER BY SystemModstamp, Id LIMIT <limit + 1 + versions delivered in the window>

and follows `nextRecordsUrl` while Salesforce splits the result into batches. A record
saved in a transaction that committed after a later-stamped one was read is picked up by
the next read (if stamped within the window), and what the cursor says was delivered
(`Id` at `SystemModstamp`) is skipped, so nothing is delivered twice: not a record of
the window, nor one the server repeats. A record its mapping cannot read is a
`rejected` record (the exception queue names record, field and expression) while the
rest proceed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from accord.canonical.base import CanonicalModel
from accord.connectors.salesforce.mapping import ObjectMapping, RecordNotMapped
from accord.connectors.salesforce.rest import SalesforceSession
from accord.connectors.sdk import Cursor, Page, RejectedRecord
from accord.connectors.sdk.lookback import DEFAULT_LOOK_BACK, LookBack


def parse_stamp(stamp: str) -> dt.datetime:
    """A SystemModstamp as Salesforce returns it (`...000+0000`), aware."""
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def soql_datetime(moment: dt.datetime) -> str:
    """A moment as a SOQL dateTime literal, to the millisecond, in UTC."""
    utc = moment.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def query_all(session: SalesforceSession, soql: str) -> Iterator[dict[str, Any]]:
    """Every record of a SOQL query, following `nextRecordsUrl` batch after batch."""
    body = session.call("GET", "/query", params={"q": soql}).json()
    while True:
        yield from body["records"]
        next_url = body.get("nextRecordsUrl")
        if body.get("done", True) or not next_url:
            return
        body = session.call("GET", str(next_url)).json()


class SoqlStream:
    """One sObject's changes as canonical records (see the module docs)."""

    def __init__(
        self,
        name: str,
        session: SalesforceSession,
        mapping: ObjectMapping,
        where: str = "",
        look_back: dt.timedelta = DEFAULT_LOOK_BACK,
    ) -> None:
        self._name = name
        self._session = session
        self.mapping = mapping
        self._where = where
        self._look_back = look_back

    @property
    def name(self) -> str:
        return self._name

    def soql(self, start: dt.datetime | None, limit: int) -> str:
        conditions = [f"({self._where})"] if self._where else []
        if start is not None:
            conditions.append(f"SystemModstamp >= {soql_datetime(start)}")
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        fields = ", ".join(self.mapping.soql_fields())
        return (
            f"SELECT {fields} FROM {self.mapping.sobject}{where} "
            f"ORDER BY SystemModstamp, Id LIMIT {limit}"
        )

    def read(self, cursor: Cursor | None, limit: int) -> Page[CanonicalModel]:
        position = LookBack(cursor, self._look_back, parse_stamp)
        soql = self.soql(position.start(), max(limit, 1) + 1 + len(position.seen))
        page: list[dict[str, Any]] = []
        has_more = False
        for record in query_all(self._session, soql):  # to the end: no locator left open
            key, stamp = str(record["Id"]), str(record["SystemModstamp"])
            if position.delivered(key, stamp):
                continue  # read before, in the window or twice from the server
            if len(page) == max(limit, 1):
                has_more = True
                continue
            position.deliver(key, stamp)
            page.append(record)
        if not page:
            return Page([], cursor, has_more=False)
        records, rejected = self._map(page)
        return Page(records, position.cursor(), has_more, rejected)

    def _map(self, page: list[dict[str, Any]]) -> tuple[list[CanonicalModel], list[RejectedRecord]]:
        records: list[CanonicalModel] = []
        rejected: list[RejectedRecord] = []
        for record in page:
            try:
                records.append(self.mapping.map_record(record))
            except RecordNotMapped as problem:
                payload = {k: v for k, v in record.items() if k != "attributes"}
                rejected.append(
                    RejectedRecord(
                        f"{self.mapping.sobject}:{record['Id']}:{record['SystemModstamp']}",
                        self.mapping.kind,
                        payload,
                        str(problem),
                    )
                )
        return records, rejected
