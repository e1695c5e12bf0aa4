"""A time entry redelivered under another contract (the PSA moved it to another project)
is never billed on both: unbilled, it moves; invoiced, the move is refused, so a person
credits it on the first contract before it can be billed on the second."""

from __future__ import annotations

from dataclasses import replace

import pytest

from accord.domain.billing.run import run_invoicing
from accord.domain.billing.state import BillingState, approve_time
from tests.unit.billing.builders import JAN, entry, make_state


def _two_contracts() -> BillingState:
    state = make_state()
    second = replace(state.contracts["K1"], id="K2")
    return replace(state, contracts={**state.contracts, "K2": second})


def test_an_unbilled_entry_moved_to_another_contract_is_billed_there_only() -> None:
    state = approve_time(_two_contracts(), [entry("T1", 9, "10")])
    moved = approve_time(state, [replace(entry("T1", 9, "10"), contract="K2")])

    result = run_invoicing(moved, JAN)

    assert [d.contract for d in result.documents] == ["K2"]
    assert result.state.ledger.entries["T1"].contract == "K2"


def test_an_invoiced_entry_cannot_move_to_another_contract() -> None:
    state = approve_time(_two_contracts(), [entry("T1", 9, "10")])
    invoiced = run_invoicing(state, JAN).state

    with pytest.raises(ValueError, match=r"T1 .*invoiced on K1"):
        approve_time(invoiced, [replace(entry("T1", 9, "10"), contract="K2")])


def test_an_older_delivery_under_another_contract_is_stale_and_moves_nothing() -> None:
    newer = replace(entry("T1", 9, "10"), contract="K2", source_version="2026-02-02T00:00:00|2")
    older = replace(entry("T1", 9, "10"), source_version="2026-02-01T00:00:00|1")
    state = approve_time(_two_contracts(), [newer])

    after = approve_time(state, [older])  # the move back to K1, delivered late

    assert "T1" in after.time_entries["K2"] and "T1" not in after.time_entries.get("K1", {})
    assert "T1" in after.stale_deliveries
