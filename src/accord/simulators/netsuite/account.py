"""A simulated NetSuite account: records by type, external ids, and the SuiteQL subset
the connector uses.

Records are stored as the REST record API returns them (camelCase fields, references
as `{"externalId": ...}`); transactions get NetSuite's computed fields (`subtotal`,
`taxTotal`, `total`, `amountRemaining`, `status`); a customer payment naming an
invoice's number in `custbody_accord_invoice` is applied to it. SuiteQL sees them as
rows of `transaction` (with `type` `CustInvc`, `CustCred`, `CustPymt`, `Journal`) and `job`,
lower-case columns, dates as `MM/DD/YYYY`, null columns left out (as NetSuite does).
Every write stamps `lastModifiedDate` (`Account.now`, to the second) and is kept in the
account's `StateStore`, so an account with a state directory outlives its simulator.
Supported: `SELECT cols|* FROM table [WHERE cond AND ...] [ORDER BY col, ...]` with `=`,
`>`, `>=`, `<`, `IN (...)`, `IS [NOT] NULL`, a column compared with
`TO_TIMESTAMP('...', 'YYYY-MM-DD HH24:MI:SS')` and a column selected as
`TO_CHAR(col, 'YYYY-MM-DD HH24:MI:SS') AS alias`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from accord.simulators.state import StateStore

TRANSACTION_TYPES = {
    "invoice": "CustInvc",
    "creditMemo": "CustCred",
    "customerPayment": "CustPymt",
    "journalEntry": "Journal",
}
QUERY = re.compile(
    r"^SELECT (?P<cols>.+?) FROM (?P<table>\w+)(?: WHERE (?P<where>.+?))?"
    r"(?: ORDER BY (?P<order>[\w, ]+))?$",
    re.IGNORECASE | re.DOTALL,
)
CONDITION = re.compile(
    r"^(?P<col>\w+) (?:(?P<op>>=|=|>|<|!=) (?P<value>'(?:[^']|'')*'|-?\d+|TO_TIMESTAMP\(.*\))"
    r"|IN \((?P<values>[^)]*)\)|IS (?P<not>NOT )?NULL)$",
    re.IGNORECASE,
)
TO_CHAR = re.compile(r"TO_CHAR\((?P<col>\w+), '(?P<format>[^']*)'\) AS (?P<alias>\w+)", re.I)
TO_TIMESTAMP = re.compile(r"^TO_TIMESTAMP\('(?P<value>[^']*)', '(?P<format>[^']*)'\)$", re.I)
RECORD = "record/"
"""The store's kinds for records: `record/<type>`."""
FIRST_ID = 101
STAMP_FORMAT = "YYYY-MM-DD HH24:MI:SS"
"""The one datetime format the simulator's TO_CHAR and TO_TIMESTAMP know."""


class RecordError(ValueError):
    """A request NetSuite refuses: HTTP status, error code and detail."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail


def _money(value: Any) -> Decimal:
    return Decimal(str(value if value is not None else 0))


class Account:
    """Records of one account (see the module docs)."""

    def __init__(
        self, state: StateStore | None = None, now: Callable[[], dt.datetime] | None = None
    ) -> None:
        self.state = state or StateStore()
        """Where the records are kept (in memory unless the account has a state directory)."""
        self.records: dict[str, dict[int, dict[str, Any]]] = {}
        self.external_ids: dict[tuple[str, str], int] = {}
        self.closed_periods: set[str] = set()
        self._lock = threading.Lock()
        self.now: Callable[[], dt.datetime] = now or (lambda: dt.datetime.now(dt.UTC))
        """When a write happens (its `lastModifiedDate`): the sandbox's clock or a test's,
        else real time."""
        self._load()
        self._ids = itertools.count(max(self._all_ids(), default=FIRST_ID - 1) + 1)

    def _load(self) -> None:
        """Take up the records the state holds, and their external ids."""
        for kind in self.state.kinds(RECORD):
            record_type = kind.removeprefix(RECORD)
            table = {int(key): record for key, record in self.state.load(kind).items()}
            self.records[record_type] = table
            for record_id, record in table.items():
                if record.get("externalId") is not None:
                    self.external_ids[(record_type, record["externalId"])] = record_id

    def _all_ids(self) -> list[int]:
        return [record_id for table in self.records.values() for record_id in table]

    def _save(self, record_type: str, record: dict[str, Any]) -> None:
        self.state.put(RECORD + record_type, str(record["id"]), record)

    def _stamp(self) -> str:
        return self.now().astimezone(dt.UTC).replace(microsecond=0).isoformat()

    def count(self, record_type: str) -> int:
        return len(self.records.get(record_type, {}))

    def get(self, record_type: str, key: str) -> dict[str, Any]:
        """The record by internal id or `eid:<external id>`; 404 when absent."""
        with self._lock:
            record_id = self._id(record_type, key)
            if record_id is None:
                raise RecordError(
                    404, "NONEXISTENT_ID", f"The record {record_type} {key} does not exist."
                )
            return dict(self.records[record_type][record_id])

    def upsert(self, record_type: str, external_id: str, body: dict[str, Any]) -> bool:
        """Create or replace the record with this external id; True if created."""
        with self._lock:
            record_id = self.external_ids.get((record_type, external_id))
            created = record_id is None
            record_id = record_id if record_id is not None else next(self._ids)
            record = {**body, "id": str(record_id), "externalId": external_id}
            record["lastModifiedDate"] = self._stamp()
            self._complete(record_type, record)
            self.records.setdefault(record_type, {})[record_id] = record
            self.external_ids[(record_type, external_id)] = record_id
            with self.state.atomically():
                self._save(record_type, record)
                if record_type == "customerPayment" and created:
                    self._apply(record)
            return created

    def _apply(self, payment: dict[str, Any]) -> None:
        """A new payment reduces what is open on the invoice it names (by `tranId`)."""
        for invoice in self.records.get("invoice", {}).values():
            if invoice.get("tranId") == payment.get("custbody_accord_invoice"):
                remaining = _money(invoice["amountRemaining"]) - _money(payment.get("payment"))
                invoice["amountRemaining"] = str(max(remaining, Decimal(0)))
                invoice["lastModifiedDate"] = self._stamp()
                paid = remaining <= 0
                invoice["status"] = (
                    {"id": "paidInFull", "refName": "Paid In Full"}
                    if paid
                    else {"id": "partiallyPaid", "refName": "Partially Paid"}
                )
                self._save("invoice", invoice)

    def patch(self, record_type: str, key: str, body: dict[str, Any]) -> None:
        with self._lock:
            record_id = self._id(record_type, key)
            if record_id is None:
                raise RecordError(
                    404, "NONEXISTENT_ID", f"The record {record_type} {key} does not exist."
                )
            record = self.records[record_type][record_id]
            record.update(body, lastModifiedDate=self._stamp())
            self._save(record_type, record)

    def _id(self, record_type: str, key: str) -> int | None:
        if key.startswith("eid:"):
            return self.external_ids.get((record_type, key[4:]))
        return int(key) if key.isdigit() and int(key) in self.records.get(record_type, {}) else None

    def _complete(self, record_type: str, record: dict[str, Any]) -> None:
        period = str(record.get("tranDate", ""))[:7]
        if period and period in self.closed_periods:
            raise RecordError(400, "INVALID_PERIOD", f"The accounting period {period} is closed.")
        if record_type in ("invoice", "creditMemo"):
            items = record.get("item", {}).get("items", [])
            subtotal = sum((_money(i.get("amount")) for i in items), Decimal(0))
            tax = sum((_money(i.get("custcol_accord_tax_amount")) for i in items), Decimal(0))
            record.update(
                subtotal=str(subtotal),
                taxTotal=str(tax),
                total=str(subtotal + tax),
                amountRemaining=str(subtotal + tax),
                status={"id": "open", "refName": "Open"},
            )
        if record_type == "journalEntry":
            lines = record.get("line", {}).get("items", [])
            debit = sum((_money(line.get("debit")) for line in lines), Decimal(0))
            credit = sum((_money(line.get("credit")) for line in lines), Decimal(0))
            if debit != credit:
                raise RecordError(400, "UNBALANCED_JOURNAL", "The journal entry is out of balance.")

    # SuiteQL -------------------------------------------------------------------------

    def query(self, text: str) -> list[dict[str, Any]]:
        """The rows of a SuiteQL query (the subset in the module docs)."""
        match = QUERY.match(" ".join(text.split()))
        if match is None:
            raise RecordError(400, "INVALID_PARAMETER", f"Invalid search query: {text}")
        with self._lock:
            rows = self._rows(match["table"].lower())
        for condition in re.split(r" AND ", match["where"] or "", flags=re.IGNORECASE):
            if condition:
                rows = [row for row in rows if _holds(condition.strip(), row)]
        if match["order"]:
            order = [column.strip().lower() for column in match["order"].split(",")]
            rows.sort(key=lambda row: [_sortable(row.get(column)) for column in order])
        formatted = {m["alias"].lower(): m["col"].lower() for m in TO_CHAR.finditer(match["cols"])}
        for m in TO_CHAR.finditer(match["cols"]):
            _known_format(m["format"])
        plain = TO_CHAR.sub(lambda m: m["alias"], match["cols"])
        columns = [c.strip().lower() for c in plain.split(",")]
        if columns != ["*"]:
            rows = [
                {c: row[formatted.get(c, c)] for c in columns if formatted.get(c, c) in row}
                for row in rows
            ]
        return rows

    def _rows(self, table: str) -> list[dict[str, Any]]:
        if table == "job":
            return [_job_row(record) for record in self.records.get("job", {}).values()]
        if table != "transaction":
            raise RecordError(400, "INVALID_PARAMETER", f"Unknown table {table}.")
        return [
            _transaction_row(TRANSACTION_TYPES[record_type], record)
            for record_type in TRANSACTION_TYPES
            for record in self.records.get(record_type, {}).values()
        ]


def _ref(value: Any) -> Any:
    return value.get("externalId") or value.get("refName") if isinstance(value, dict) else value


def _transaction_row(kind: str, record: dict[str, Any]) -> dict[str, Any]:
    day = record.get("tranDate")
    row = {
        "id": int(record["id"]),
        "type": kind,
        "externalid": record.get("externalId"),
        "tranid": record.get("tranId"),
        "trandate": dt.date.fromisoformat(day).strftime("%m/%d/%Y") if day else None,
        "total": record.get("total", record.get("payment")),
        "currency": _ref(record.get("currency")),
        "entity": _ref(record.get("entity") or record.get("customer")),
        "custbody_accord_invoice": record.get("custbody_accord_invoice"),
        "lastmodifieddate": _stamp_text(record.get("lastModifiedDate")),
    }
    return {k: v for k, v in row.items() if v is not None}


def _job_row(record: dict[str, Any]) -> dict[str, Any]:
    row = {
        "id": int(record["id"]),
        "externalid": record.get("externalId"),
        "parent": _ref(record.get("parent")),
        "subsidiary": _ref(record.get("subsidiary")),
        "isinactive": "T" if record.get("isInactive") else "F",
        "custentity_accord_contract": record.get("custentity_accord_contract"),
    }
    return {k: v for k, v in row.items() if v is not None}


def _stamp_text(value: Any) -> str | None:
    """A stored ISO stamp as `YYYY-MM-DD HH:MM:SS` (UTC): sortable and what TO_CHAR gives."""
    if not value:
        return None
    moment = dt.datetime.fromisoformat(str(value)).astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _known_format(text: str) -> None:
    if text.upper() != STAMP_FORMAT:
        raise RecordError(400, "INVALID_PARAMETER", f"Unsupported date format {text}.")


def _literal(text: str) -> Any:
    text = text.strip()
    timestamp = TO_TIMESTAMP.match(text)
    if timestamp is not None:
        _known_format(timestamp["format"])
        return timestamp["value"]
    if text.startswith("'"):
        return text[1:-1].replace("''", "'")
    return int(text)


def _sortable(value: Any) -> tuple[int, Any]:
    return (0, value) if isinstance(value, int) else (1, str(value))


def _holds(condition: str, row: dict[str, Any]) -> bool:
    match = CONDITION.match(condition)
    if match is None:
        raise RecordError(400, "INVALID_PARAMETER", f"Invalid search query condition: {condition}")
    value = row.get(match["col"].lower())
    if match["values"] is not None:
        return value in {_literal(v) for v in match["values"].split(",")}
    if match["op"] is None:
        return (value is not None) == bool(match["not"])
    if value is None:
        return False
    wanted = _literal(match["value"])
    if match["op"] == "=":
        return bool(value == wanted)
    if match["op"] == "!=":
        return bool(value != wanted)
    if match["op"] == ">":
        return bool(_sortable(value) > _sortable(wanted))
    if match["op"] == ">=":
        return bool(_sortable(value) >= _sortable(wanted))
    return bool(_sortable(value) < _sortable(wanted))
