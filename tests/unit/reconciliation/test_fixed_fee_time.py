"""Time on fixed-fee terms is effort, not billable hours: it is never unbilled leakage."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from accord.application.reconciliation_mapping import psa_approved_time
from accord.canonical import v1
from accord.domain.billing.state import approve_time
from accord.domain.contracts.model import FixedFeeTerm, Milestone
from accord.domain.reconciliation.leakage import revenue_leakage
from tests.unit.billing.builders import entry, make_state, tm_term

LATER = dt.date(2026, 12, 31)


def _state():  # type: ignore[no-untyped-def]
    fee = FixedFeeTerm("FF", Decimal(1000), (Milestone("M1", "All", Decimal(100)),))
    state = make_state(tm_term("100"), fee)
    return approve_time(state, [entry("T1", 5, "3", term="FF"), entry("T2", 5, "2")])


def test_time_on_a_fixed_fee_term_is_not_unbilled_leakage() -> None:
    leakage = revenue_leakage(_state(), LATER, 30)
    assert [(i.source.value, i.key) for i in leakage.items] == [("unbilled_time", "T2")]


def test_time_on_a_fixed_fee_term_is_not_compared_with_billed_time() -> None:
    entries = [
        v1.TimeEntry(
            id=key,
            contract="K1",
            term=term,
            resource="R1",
            date=dt.date(2026, 1, 5),
            hours=Decimal(3),
        )
        for key, term in (("T1", "FF"), ("T2", "TM"))
    ]
    assert [r.key for r in psa_approved_time(entries, _state())] == ["T2"]
