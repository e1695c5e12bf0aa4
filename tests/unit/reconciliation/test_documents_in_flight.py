"""A document its posting flow is still posting is not missing from billing or the ERP
yet; once posted, or when its posting has taken more than two weeks, it is again."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from accord.domain.reconciliation.in_flight import POSTING_DAYS, without_documents_in_flight
from accord.domain.reconciliation.kinds import DiscrepancyKind, Finding

ISSUED = date(2026, 1, 31)
K = DiscrepancyKind


def _finding(comparison: str, kind: DiscrepancyKind, key: str) -> Finding:
    return Finding(comparison, kind, key, ISSUED, Decimal("100.00"), "EUR")


FINDINGS = [
    _finding("documents_hub_billing", K.MISSING_IN_BILLING, "INV-1"),
    _finding("documents_hub_erp", K.UNPOSTED_DOCUMENT, "INV-1"),
    _finding("documents_hub_erp", K.AMOUNT_MISMATCH, "INV-1"),
    _finding("documents_hub_erp", K.UNPOSTED_DOCUMENT, "INV-2"),
    _finding("documents_hub_erp", K.UNKNOWN_DOCUMENT, "INV-9"),
]


def test_a_document_being_posted_is_not_reported_missing_but_a_difference_still_is() -> None:
    kept = without_documents_in_flight(FINDINGS, {"INV-1", "INV-9"}, ISSUED + timedelta(days=3))

    assert [(f.kind, f.key) for f in kept] == [
        (K.AMOUNT_MISMATCH, "INV-1"),
        (K.UNPOSTED_DOCUMENT, "INV-2"),
        (K.UNKNOWN_DOCUMENT, "INV-9"),
    ]


def test_a_document_still_unposted_after_two_weeks_is_reported_again() -> None:
    late = ISSUED + timedelta(days=POSTING_DAYS)

    assert without_documents_in_flight(FINDINGS, {"INV-1"}, late) == FINDINGS
