"""Helpers that play the legacy system: drop time files, build journal postings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from accord.canonical.v1 import LedgerPosting, PostingLine

HEADER = "entry;contract;person;work_date;hours;billable\r\n"


def time_rows(prefix: str, count: int) -> list[str]:
    """`count` good rows with entry ids `<prefix>-1` ... in the legacy PSA's layout."""
    return [f"{prefix}-{n};C-100;R-7;0{n % 9 + 1}.03.2026;7.5;yes\r\n" for n in range(1, count + 1)]


def drop(inbox: Path, name: str, rows: list[str], *, marker: bool = True) -> Path:
    """Write a time file as the legacy system does, then its completion marker."""
    inbox.mkdir(parents=True, exist_ok=True)
    path = inbox / name
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    if marker:
        (inbox / f"{name}.done").write_text("", encoding="utf-8")
    return path


def posting(number: str) -> LedgerPosting:
    """A balanced journal entry for invoice `number`."""
    return LedgerPosting(
        document_number=number,
        entity="DE01",
        posting_date=dt.date(2026, 3, 31),
        currency="EUR",
        lines=[
            PostingLine(account="1200", debit=Decimal("1190.00")),
            PostingLine(account="8400", credit=Decimal("1000.00")),
            PostingLine(account="1776", credit=Decimal("190.00")),
        ],
    )
