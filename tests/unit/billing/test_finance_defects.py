"""Billing defects found by unusual but legitimate contracts (issue 14)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accord.domain.billing.documents import DocumentKind
from accord.domain.billing.errors import UnknownReference
from accord.domain.billing.run import run_invoicing
from accord.domain.billing.state import approve_time, correct_time
from accord.domain.exceptions import ExceptionKind
from tests.unit.billing.builders import FEB, JAN, entry, make_state, tm_term

MAR_END = FEB.replace(month=3, day=31)


def test_a_credit_note_over_several_invoices_credits_exactly_its_gross() -> None:
    # Two quarter-hour reductions at 6.00 credit 1.50 on each of two invoices: tax per
    # invoice would be 0.29 + 0.29, the credit note's tax is round(3.00 x 19%) = 0.57.
    state = approve_time(make_state(tm_term("6")), [entry("T1", 9, "1")])
    state = run_invoicing(state, JAN).state
    state = run_invoicing(approve_time(state, [entry("T2", 9, "1", month=2)]), FEB).state
    state = correct_time(
        correct_time(state, "T1", hours=Decimal("0.75")), "T2", hours=Decimal("0.75")
    )
    result = run_invoicing(state, MAR_END)
    (credit_note,) = result.documents
    assert credit_note.kind is DocumentKind.CREDIT_NOTE
    assert credit_note.references == ("INV-DE01-000001", "INV-DE01-000002")
    invoices = [result.state.ledger.documents[n] for n in credit_note.references]
    assert sum(d.credited for d in invoices) == -credit_note.gross_total == Decimal("3.57")


def test_correcting_time_never_approved_is_an_unknown_reference_not_a_key_error() -> None:
    state = approve_time(make_state(), [entry("T1", 9, "1")])
    with pytest.raises(UnknownReference) as refused:
        correct_time(state, "T9", hours=Decimal(2))
    assert not isinstance(refused.value, KeyError)
    assert refused.value.exception.kind is ExceptionKind.UNKNOWN_REFERENCE
    assert refused.value.exception.subject == "T9"
    assert "never approved" in str(refused.value)
