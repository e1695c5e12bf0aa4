"""The simulated org's data: records by sObject, upserts by external id, SOQL, limits.

Every write stamps `SystemModstamp` from the org's clock (the sandbox's, or one that
moves one millisecond per write), so change detection by stamp is exercised exactly as
against a real org.
Records, the clock and the id counter are written through the org's `StateStore`, so an
org with a state directory is found again by a restarted simulator.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from accord.simulators.clock import Clock, next_stamp
from accord.simulators.salesforce.soql import parse, parse_stamp
from accord.simulators.state import StateStore

ID_PREFIXES = {
    "Account": "001",
    "Contract": "800",
    "Opportunity": "006",
    "Invoice__c": "a01",
    "Payment__c": "a02",
}
READ_ONLY = frozenset({"Id", "SystemModstamp", "attributes"})
ORG = "org"
"""The store's kind for the org's own entry: its clock and id counter."""


class OrgError(Exception):
    """An error Salesforce answers with: status and the `[{message, errorCode, fields}]`."""

    def __init__(self, status: int, code: str, message: str, fields: list[str] | None = None):
        super().__init__(message)
        self.status = status
        self.body = [{"message": message, "errorCode": code, "fields": fields or []}]


def attributes(sobject: str, record: Mapping[str, Any], version: str = "62.0") -> dict[str, Any]:
    """The `attributes` Salesforce puts on every record it returns: type and URL."""
    url = f"/services/data/v{version}/sobjects/{sobject}/{record.get('Id')}"
    return {"attributes": {"type": sobject, "url": url}}


def format_stamp(moment: datetime) -> str:
    """A datetime as Salesforce writes SystemModstamp: `2026-01-31T10:00:00.000+0000`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}+0000"
    )


@dataclass
class Org:
    """One org's records and the knobs a test turns (`validation_rules`)."""

    now: datetime = field(default_factory=lambda: datetime(2026, 1, 31, tzinfo=UTC))
    records: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    validation_rules: dict[str, str] = field(default_factory=dict)
    """sObject -> message: every write to it fails FIELD_CUSTOM_VALIDATION_EXCEPTION."""
    clock: Clock | None = None
    """The sandbox's clock, when the org runs on one: stamps follow it."""
    state: StateStore = field(default_factory=StateStore)
    """Where the records are kept (in memory unless the org has a state directory)."""
    _counter: int = 0
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        """Take up the records, clock and counter the state holds, if any."""
        saved = self.state.get(ORG, "clock")
        if saved is None:
            return
        self.now, self._counter = datetime.fromisoformat(saved["now"]), saved["counter"]
        for sobject in ID_PREFIXES:
            stored = self.state.load(sobject)
            if stored:
                self.records[sobject] = stored

    def _save(self, sobject: str, record: dict[str, Any]) -> None:
        self.state.put(sobject, str(record["Id"]), record)
        self.state.put(ORG, "clock", {"now": self.now.isoformat(), "counter": self._counter})

    def _check(self, sobject: str) -> None:
        if sobject not in ID_PREFIXES:
            raise OrgError(404, "NOT_FOUND", "The requested resource does not exist")

    def moment(self) -> datetime:
        """Now on the org's clock: the sandbox's when it runs on one, else its last stamp."""
        return self.clock() if self.clock is not None else self.now

    def _stamp(self) -> str:
        """The next `SystemModstamp`: now, or a millisecond after the last one when the
        clock has not moved past it (stamps only ever increase)."""
        self.now = next_stamp(self.now, self.clock, timedelta(milliseconds=1))
        return format_stamp(self.now)

    def find(self, sobject: str, key: str, value: str) -> dict[str, Any] | None:
        self._check(sobject)
        table = self.records.get(sobject, {})
        if key == "Id":
            return table.get(value)
        matches = [r for r in table.values() if r.get(key) == value]
        if len(matches) > 1:
            raise OrgError(300, "MULTIPLE_CHOICES", f"more than one {sobject} has {key}={value}")
        return matches[0] if matches else None

    def upsert(
        self, sobject: str, key: str, value: str, body: Mapping[str, Any]
    ) -> tuple[str, bool]:
        """Create or update by external id; (Id, created)."""
        with self._lock:
            self._validate(sobject, key, body)
            current = self.find(sobject, key, value)
            if current is not None:
                current.update(body, SystemModstamp=self._stamp())
                self._save(sobject, current)
                return str(current["Id"]), False
            self._counter += 1
            record_id = f"{ID_PREFIXES[sobject]}{self._counter:015d}"
            record = {**body, key: value, "Id": record_id, "SystemModstamp": self._stamp()}
            self.records.setdefault(sobject, {})[record_id] = record
            self._save(sobject, record)
            return record_id, True

    def update(self, sobject: str, record_id: str, body: Mapping[str, Any]) -> None:
        with self._lock:
            self._validate(sobject, "Id", body)
            current = self.find(sobject, "Id", record_id)
            if current is None:
                raise OrgError(404, "NOT_FOUND", "The requested resource does not exist")
            current.update(body, SystemModstamp=self._stamp())
            self._save(sobject, current)

    def _validate(self, sobject: str, key: str, body: Mapping[str, Any]) -> None:
        self._check(sobject)
        bad = sorted(set(body) & (READ_ONLY | {key}))
        if bad:
            raise OrgError(
                400,
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                f"Unable to create/update fields: {bad}",
                bad,
            )
        rule = self.validation_rules.get(sobject)
        if rule:
            raise OrgError(400, "FIELD_CUSTOM_VALIDATION_EXCEPTION", rule)

    def query(self, soql: str) -> list[dict[str, Any]]:
        """The records a SOQL query selects, rendered with `attributes` and its fields."""
        query = parse(soql)
        self._check(query.sobject)
        with self._lock:
            rows = [r for r in self.records.get(query.sobject, {}).values() if query.where(r)]
        for name in reversed(query.order):
            rows.sort(key=_by(name))
        if query.limit is not None:
            rows = rows[: query.limit]
        return [
            {**attributes(query.sobject, row), **{f: row.get(f) for f in query.fields}}
            for row in rows
        ]

    @contextmanager
    def all_or_none(self) -> Iterator[None]:
        """Writes inside are undone together when the block raises (in the state too)."""
        with self._lock, self.state.atomically():
            saved = copy.deepcopy(self.records), self.now, self._counter
            try:
                yield
            except Exception:
                self.records, self.now, self._counter = saved
                raise


def _by(name: str) -> Callable[[Mapping[str, Any]], tuple[int, Any]]:
    return lambda row: _sort_key(row.get(name))


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, str) and value[:4].isdigit() and "T" in value:
        return (1, parse_stamp(value))
    return (1, value)
