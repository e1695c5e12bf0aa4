"""Inbound streams from Tryton: payments an accountant records, and invoice changes.

Tryton has no change feed, so each stream polls one model ordered by a timestamp Tryton
keeps itself (``create_date`` for payment move lines, ``write_date`` for invoices) and
the record id. Tryton stamps a record with its transaction's start time, so a
transaction that commits late can hold an earlier stamp than records already read: every
read therefore looks back `LOOK_BACK` before the last stamp delivered and skips what the
cursor says it delivered already (record id and stamp, so a record changed again is
delivered again). Nothing is lost and nothing is delivered twice; the cursor holds the
deliveries of one look-back window.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from accord.canonical.v1 import Invoice, Payment
from accord.connectors.sdk import Cursor, Page, decode_cursor, encode_cursor
from accord.connectors.tryton import mapping
from accord.connectors.tryton.rpc import TrytonRpc

LOOK_BACK = dt.timedelta(minutes=15)
PAYMENT_LINE_FIELDS = [
    "create_date", "date", "debit", "credit", "move.number", "invoice_payment.reference",
    "invoice_payment.number", "invoice_payment.party.code", "invoice_payment.currency.code",
]  # fmt: skip


class TrytonChangeStream:
    """Records of one Tryton model changed since a cursor, oldest first (see module)."""

    def __init__(
        self,
        name: str,
        rpc: TrytonRpc,
        model: str,
        domain: list[Any],
        stamp: str,
        fields: list[str],
        to_records: Callable[[list[dict[str, Any]]], Sequence[Any]],
    ) -> None:
        self._name = name
        self._rpc = rpc
        self._model = model
        self._domain = domain
        self._stamp = stamp
        self._fields = sorted({"id", stamp, *fields})
        self._to_records = to_records

    @property
    def name(self) -> str:
        return self._name

    def read(self, cursor: Cursor | None, limit: int) -> Page[Any]:
        position = decode_cursor(cursor)
        since = _parse(position["since"]) if position.get("since") else None
        seen: dict[str, str] = dict(position.get("seen", {}))  # "id@stamp" -> stamp
        domain = list(self._domain)
        if since is not None:
            domain.append((self._stamp, ">=", since - LOOK_BACK))
        rows = self._rpc.model(
            self._model, "search_read", domain, 0, max(limit, 1) + len(seen) + 1,
            [[self._stamp, "ASC"], ["id", "ASC"]], self._fields,
        )  # fmt: skip
        fresh = [row for row in rows if _key(row, self._stamp) not in seen]
        page = fresh[: max(limit, 1)]
        for row in page:
            seen[_key(row, self._stamp)] = _iso(row[self._stamp])
            since = max(since, row[self._stamp]) if since else row[self._stamp]
        if since is None:
            return Page(records=[], next_cursor=cursor, has_more=False)
        horizon = _iso(since - LOOK_BACK)
        kept = {key: stamp for key, stamp in seen.items() if stamp >= horizon}
        next_cursor = encode_cursor({"since": _iso(since), "seen": kept})
        return Page(self._to_records(page), next_cursor, has_more=len(fresh) > len(page))


def _key(row: dict[str, Any], stamp: str) -> str:
    return f"{row['id']}@{_iso(row[stamp])}"


def _iso(moment: dt.datetime) -> str:
    """Fixed width, so stamps compare as strings."""
    return moment.isoformat(timespec="microseconds")


def _parse(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def payments_stream(rpc: TrytonRpc) -> TrytonChangeStream:
    """Payments recorded against customer invoices: the move lines Tryton attaches to an
    invoice as its payment lines (the invoice's *Pay* wizard, or a bank statement line
    posted against the invoice), in the order they were recorded."""
    return TrytonChangeStream(
        "payments", rpc, "account.move.line",
        [("invoice_payment", "!=", None), ("invoice_payment.type", "=", "out")],
        "create_date", PAYMENT_LINE_FIELDS, _payments,
    )  # fmt: skip


def _payments(lines: list[dict[str, Any]]) -> list[Payment]:
    """Money received; a refund paid out against a credit note is not a `Payment`."""
    return [
        mapping.canonical_payment(line, line["invoice_payment."])
        for line in lines
        if mapping.is_money_received(line)
    ]


def documents_stream(
    rpc: TrytonRpc, read_invoices: Callable[[list[dict[str, Any]]], list[Invoice]]
) -> TrytonChangeStream:
    """Customer invoices and credit notes as they are posted, paid or cancelled in Tryton
    (their ``write_date`` moves with every change of state)."""
    return TrytonChangeStream(
        "documents", rpc, "account.invoice",
        [("type", "=", "out"), ("state", "in", ["posted", "paid", "cancelled"])],
        "write_date", mapping.INVOICE_FIELDS, read_invoices,
    )  # fmt: skip
