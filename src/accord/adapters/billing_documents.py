"""The hub's issued documents as reconciliation records, read straight from `billing_rows`.

Hub-side reconciliation compares every document the hub issued with billing's and the
ERP's. Building those records from the billing state loads the whole book; this reads
only the `document` rows, in issue order, takes the header fields of each (the lines are
never decoded into objects) and returns them as Arrow columns (`ArrowRecords`), built
one call per column, in the form the reconciliation engine joins without converting:
the contract, currency and status as dictionaries (few distinct values, small indices),
the amounts as decimals of 18 digits (one 64-bit integer in DuckDB) where they fit.

Amounts stay exact: a decimal column is stored at the one scale every value of it has
(2 for cents), so the records made back from it print as the book's do. A column whose
values differ in scale, or that decimal128 cannot hold, comes back as plain columns of
Python decimals (`RecordColumns`) instead: never a rounded digit, never a float.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Engine

from accord.adapters.billing_rows import billing_rows
from accord.adapters.reconciliation_arrow import ArrowRecords
from accord.adapters.transactions import reading
from accord.domain.reconciliation import DocumentRecord, RecordColumns
from accord.domain.reconciliation.records import settlement_status

_r = billing_rows.c
_AMOUNTS = {"net_total": "net_total", "tax_total": "tax_total", "amount": "gross_total"}
"""Record field -> the stored document's field."""
_ENCODED = ("contract", "currency", "status")
"""Text fields with few distinct values, held as dictionaries."""
_DICTIONARY = pa.dictionary(pa.int32(), pa.string())
_HEADER = ("number", "issue_date", "contract", "currency", *_AMOUNTS.values())
"""The stored document's fields a record needs, extracted by the database's JSON
functions: the lines never leave the store."""
_MAX_SCALE = 10
_INTEGER_DIGITS = 28
_NARROW_DIGITS = 18
"""Digits a 64-bit integer holds: DuckDB keeps such a decimal as one, cheaper to join."""


class SqlAlchemyHubDocuments:
    """`HubDocumentListing` on the row store: one record per stored document."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def document_records(self) -> Sequence[DocumentRecord]:
        """Every document the hub issued, in issue order, with its settlement status."""
        data: sa.ColumnElement[Any] = (
            sa.cast(_r.data, postgresql.JSON)
            if self._engine.dialect.name == "postgresql"
            else sa.type_coerce(_r.data, sa.JSON)
        )
        fields = [data[name].as_string().label(name) for name in _HEADER]
        query = sa.select(_r.ref, *fields).where(_r.part == "document").order_by(_r.seq)
        with reading(self._engine) as conn:
            rows = conn.execute(query).all()
        return records(_columns(rows))


def _columns(rows: Sequence[sa.Row[Any]]) -> dict[str, list[Any]]:
    columns: dict[str, list[Any]] = {
        "key": [r.number for r in rows],
        "on": [date.fromisoformat(r.issue_date) for r in rows],
        "contract": [r.contract for r in rows],
        "currency": [r.currency for r in rows],
        "status": [settlement_status(r.ref) for r in rows],
    }
    for name, stored in _AMOUNTS.items():
        columns[name] = [Decimal(getattr(r, stored)) for r in rows]
    return columns


def records(columns: dict[str, list[Any]]) -> Sequence[DocumentRecord]:
    """The document columns as Arrow rows, or as Python columns where Arrow would not
    give back every amount exactly as it was written (see the module docstring)."""
    arrays: dict[str, pa.Array] = {"key": pa.array(columns["key"], pa.string())}
    arrays |= {name: pa.array(columns[name], _DICTIONARY) for name in _ENCODED}
    arrays["on"] = pa.array(columns["on"], pa.date32())
    for name in _AMOUNTS:
        array = _decimals(columns[name])
        if array is None:
            return RecordColumns(DocumentRecord, columns)
        arrays[name] = array
    return ArrowRecords(DocumentRecord, pa.table(arrays))


def _decimals(values: list[Decimal]) -> pa.Array | None:
    """The values at their one common scale, or None if they have none or do not fit."""
    exponents = {value.as_tuple().exponent for value in values}
    if len(exponents) > 1:
        return None
    [exponent] = exponents or {-2}
    if not isinstance(exponent, int) or not -_MAX_SCALE <= exponent <= 0:
        return None
    scale = -exponent
    for precision in (_NARROW_DIGITS, _INTEGER_DIGITS + scale):
        try:
            return pa.array(values, pa.decimal128(precision, scale))
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            continue
    return None
