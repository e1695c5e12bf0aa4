"""Posting a month's journals to the ERP: once, balanced, both legs of a charge, never into
a closed period (the hub's or the ERP's), each entry's state read back."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from accord.application.journal_posting import (
    JournalPoster,
    JournalPostingUnsupported,
    PostingState,
)
from accord.application.journals import LedgerJournals
from accord.bootstrap.core import journal_port
from accord.domain.billing.state import BillingState, close_period
from accord.domain.calendar import Period
from accord.domain.exceptions import ExceptionKind, OwnerRole
from tests.unit.revenue.journal_builders import fixed_fee_ahead_of_billing, uk_charge
from tests.unit.revenue.journal_fakes import FakeBook, FakeExceptions, FakeJournalPosting

JAN = Period.parse("2026-01")


def _state() -> BillingState:
    state = fixed_fee_ahead_of_billing()
    return replace(state, ledger=replace(state.ledger, intercompany=(uk_charge("880.00"),)))


def _poster(
    state: BillingState, erp: FakeJournalPosting | None = None
) -> tuple[JournalPoster, FakeJournalPosting, FakeExceptions, FakeBook]:
    book, erp, exceptions = FakeBook(state), erp or FakeJournalPosting(), FakeExceptions()
    return JournalPoster(LedgerJournals(book), book, erp, exceptions), erp, exceptions, book


def test_posting_a_month_twice_books_each_entry_once() -> None:
    poster, erp, exceptions, _ = _poster(_state())
    first = poster.post(JAN)
    again = poster.post(JAN)
    assert [s.state for s in first] == [PostingState.POSTED] * 3
    assert len(erp.moves) == 3
    assert again == first
    assert {s.erp_number for s in again} == {"MV1", "MV2", "MV3"}
    assert not exceptions.records


def test_every_move_is_balanced_and_the_charge_posts_in_both_entities() -> None:
    poster, erp, _, _ = _poster(_state())
    poster.post(JAN)
    for move in erp.moves.values():
        debit = sum((line.debit for line in move.posting.lines), Decimal(0))
        assert debit == sum((line.credit for line in move.posting.lines), Decimal(0)) > 0
    postings = [move.posting for move in erp.moves.values()]
    legs = {p.entity: p for p in postings if "intercompany" in p.document_number}
    assert set(legs) == {"UK01", "DE01"}
    assert legs["UK01"].dimensions["kind"] == "intercompany_revenue"
    assert legs["DE01"].dimensions["kind"] == "intercompany_cost"
    for entity, posting in legs.items():
        assert {line.dimensions["entity"] for line in posting.lines} == {entity}
        assert sum(line.debit for line in posting.lines) == Decimal("880.00")


def test_a_month_closed_in_the_hub_is_not_posted_and_finance_is_told() -> None:
    poster, erp, exceptions, _ = _poster(close_period(_state(), "DE01", JAN))
    results = {s.document_number: s for s in poster.post(JAN)}
    assert [n for n, s in results.items() if s.state is PostingState.POSTED] == [
        "UK01/2026-01/intercompany_revenue/K1/GBP"
    ]
    assert set(erp.posted_journals(list(results))) == {"UK01/2026-01/intercompany_revenue/K1/GBP"}
    refused = exceptions.records[(ExceptionKind.POSTING_REJECTED, "DE01/2026-01/revenue/K1/EUR")]
    assert refused.owner is OwnerRole.FINANCE
    assert "2026-01 is closed for DE01" in refused.message
    assert refused.details["entry"]["document_number"] == "DE01/2026-01/revenue/K1/EUR"
    assert results["DE01/2026-01/revenue/K1/EUR"].state is PostingState.REFUSED


def test_a_period_the_erp_closed_refuses_the_entry_until_it_reopens() -> None:
    poster, erp, exceptions, _ = _poster(_state(), FakeJournalPosting(closed={"2026-01"}))
    assert {s.state for s in poster.post(JAN)} == {PostingState.REFUSED}
    statuses = poster.statuses(JAN)
    assert {s.state for s in statuses} == {PostingState.REFUSED}
    assert all("the ERP refused it: period 2026-01 is closed" in (s.reason or "") for s in statuses)
    assert len(exceptions.records) == 3 and not erp.moves
    erp.closed.clear()
    assert {s.state for s in poster.post(JAN)} == {PostingState.POSTED}
    assert not exceptions.records


def test_states_read_back_pending_before_posting() -> None:
    poster, _, _, _ = _poster(_state())
    assert {s.state for s in poster.statuses(JAN)} == {PostingState.PENDING}


def test_an_erp_without_journal_posting_says_so() -> None:
    book = FakeBook(_state())
    poster = JournalPoster(LedgerJournals(book), book, None, FakeExceptions())
    with pytest.raises(JournalPostingUnsupported, match="does not take journal entries"):
        poster.post(JAN)
    assert {s.state for s in poster.statuses(JAN)} == {PostingState.PENDING}


class _Connector:
    def __init__(self, system: str, writers: dict[str, object]) -> None:
        self.system, self._writers = system, writers

    def ports(self) -> dict[str, object]:
        return self._writers


def test_the_erp_connectors_journal_port_is_wired_when_it_offers_one() -> None:
    ledger = FakeJournalPosting()
    crm = _Connector("crm", {"CrmGateway": object(), "JournalPosting": object()})
    erp = _Connector("erp", {"ErpGateway": object(), "JournalPosting": ledger})
    assert journal_port({"crm": crm, "erp": erp}) is ledger  # type: ignore[dict-item]
    bare = _Connector("erp", {"ErpGateway": object()})
    assert journal_port({"erp": bare}) is None  # type: ignore[dict-item]


def test_without_one_on_the_erp_connector_the_first_erp_source_offering_it_is_wired() -> None:
    erp = _Connector("erp", {"ErpGateway": object()})
    hr_table = _Connector("hr", {"TableUpsert": object(), "JournalPosting": object()})
    first, second = FakeJournalPosting(), FakeJournalPosting()
    files = _Connector("erp", {"FileExport": object(), "JournalPosting": first})
    table = _Connector("erp", {"TableUpsert": object(), "JournalPosting": second})
    connectors = {"erp": erp, "payroll": hr_table, "files": files, "table": table}
    assert journal_port(connectors) is first  # type: ignore[arg-type]
    assert journal_port({"erp": erp, "table": table, "files": files}) is second  # type: ignore[dict-item]
    with_own = _Connector("erp", {"ErpGateway": object(), "JournalPosting": FakeJournalPosting()})
    assert journal_port({"files": files, "erp": with_own}) is with_own.ports()["JournalPosting"]  # type: ignore[dict-item]


def test_an_entry_the_erp_holds_since_it_was_refused_closes_its_exception() -> None:
    poster, erp, exceptions, _ = _poster(close_period(_state(), "DE01", JAN))
    poster.post(JAN)
    assert len(exceptions.records) == 2
    open_book = FakeBook(_state())
    JournalPoster(LedgerJournals(open_book), open_book, erp, FakeExceptions()).post(JAN)
    assert {s.state for s in poster.post(JAN)} == {PostingState.POSTED}
    assert not exceptions.records
