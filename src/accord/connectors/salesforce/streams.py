"""Changes of one sObject read with SOQL, in `SystemModstamp` order, paged by Salesforce.

A read asks for the records strictly after the cursor's `(SystemModstamp, Id)`:

    SELECT Id, SystemModstamp, ... FROM Account
    WHERE SystemModstamp > 2026-01-31T10:00:00.000Z
       OR (SystemModstamp = 2026-01-31T10:00:00.000Z AND Id > '001...')
    ORDER BY SystemModstamp, Id LIMIT <limit + 1>

and follows `nextRecordsUrl` while Salesforce splits the result into batches. Records
that share a stamp are split across pages without loss or repeats, a record delivered
twice by the server is skipped, and a record its mapping cannot read is a `rejected`
record (the exception queue names record, field and expression) while the rest proceed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from accord.canonical.base import CanonicalModel
from accord.connectors.salesforce.mapping import ObjectMapping, RecordNotMapped
from accord.connectors.salesforce.rest import SalesforceSession
from accord.connectors.sdk import Cursor, Page, RejectedRecord, decode_cursor, encode_cursor


def soql_datetime(stamp: str) -> str:
    """A SystemModstamp as Salesforce returns it (`...000+0000`) as a SOQL literal."""
    return stamp.replace("+0000", "Z")


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
        self, name: str, session: SalesforceSession, mapping: ObjectMapping, where: str = ""
    ) -> None:
        self._name = name
        self._session = session
        self.mapping = mapping
        self._where = where

    @property
    def name(self) -> str:
        return self._name

    def soql(self, after: list[str] | None, limit: int) -> str:
        conditions = [f"({self._where})"] if self._where else []
        if after:
            stamp, record_id = soql_datetime(after[0]), after[1]
            conditions.append(
                f"(SystemModstamp > {stamp} OR (SystemModstamp = {stamp} AND Id > '{record_id}'))"
            )
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        fields = ", ".join(self.mapping.soql_fields())
        return (
            f"SELECT {fields} FROM {self.mapping.sobject}{where} "
            f"ORDER BY SystemModstamp, Id LIMIT {limit + 1}"
        )

    def read(self, cursor: Cursor | None, limit: int) -> Page[CanonicalModel]:
        after: list[str] | None = decode_cursor(cursor).get("after")
        found: list[dict[str, Any]] = []
        last = tuple(after) if after else None
        for record in query_all(self._session, self.soql(after, limit)):
            position = (str(record["SystemModstamp"]), str(record["Id"]))
            if last is not None and position <= last:
                continue  # the server delivered it twice
            found.append(record)
            last = position
        page = found[:limit]
        if not page:
            return Page([], cursor, has_more=False)
        records, rejected = self._map(page)
        tail = [str(page[-1]["SystemModstamp"]), str(page[-1]["Id"])]
        return Page(records, encode_cursor({"after": tail}), len(found) > limit, rejected)

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
