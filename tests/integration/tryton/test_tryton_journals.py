"""Ledger journals of public scenarios booked in the live Tryton as posted account moves:
read back account by account, balanced to the cent, both legs of an intercompany charge,
and booked once however often the month is posted; an entry in another currency and a
period closed in Tryton are refused."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from accord.application.journal_posting import JournalPoster, PostingState
from accord.application.journals import LedgerJournals, chart_of_accounts
from accord.canonical.v1.finance import LedgerPosting
from accord.connectors.tryton import TrytonErpConnector
from accord.connectors.tryton.journals import TrytonJournals
from accord.domain.billing.ledger import IntercompanyCharge
from accord.domain.calendar import Period
from accord.domain.exceptions import ExceptionKind
from tests.unit.billing.scenario_player import SCENARIOS, Player, load_scenario
from tests.unit.revenue.journal_builders import fixed_fee_ahead_of_billing
from tests.unit.revenue.journal_fakes import FakeBook, FakeExceptions

pytestmark = pytest.mark.tryton

# The roles mapped onto the standard Tryton chart the test database holds.
CHART = chart_of_accounts(
    "revenue=4.2.2,billings=4.3.3,contract_asset=1.4.2,unbilled_receivable=1.4.2,"
    "contract_liability=2.2.2,intercompany_receivable=1.1.4,intercompany_payable=2.3.4,"
    "intercompany_revenue=6.1.1,intercompany_cost=5.1.3"
)
NOV = Period.parse("2026-11")


def _book() -> FakeBook:
    """Fixed-fee revenue in January and February, and UK01 charging DE01 (both booking
    in EUR, the Tryton company's currency) in January and November."""
    state = fixed_fee_ahead_of_billing()
    charges = tuple(
        _charge(amount, through)
        for amount, through in (("880.15", date(2026, 1, 31)), ("12.34", date(2026, 11, 30)))
    )
    return FakeBook(replace(state, ledger=replace(state.ledger, intercompany=charges)))


def _charge(amount: str, through: date) -> IntercompanyCharge:
    money = Decimal(amount)
    return IntercompanyCharge(
        "UK01", "DE01", "R2", "K1", Decimal(10), money, "EUR", money, "EUR", through
    )


def _moves(connector: TrytonErpConnector, keys: list[str]) -> list[dict[str, Any]]:
    moves: list[dict[str, Any]] = connector.rpc.model(
        "account.move", "search_read", [("description", "in", keys)], 0, None,
        [["id", "ASC"]], ["description", "number", "state", "date", "lines"],
    )  # fmt: skip
    return moves


def _lines(connector: TrytonErpConnector, move: dict[str, Any]) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = connector.rpc.model(
        "account.move.line", "read", move["lines"], ["account.code", "debit", "credit"]
    )
    return lines


def _scenario(name: str) -> FakeBook:
    player = Player(load_scenario(SCENARIOS / name))
    player.play()
    return FakeBook(player.state)


def _assert_booked_as_sent(connector: TrytonErpConnector, postings: list[LedgerPosting]) -> None:
    expected = {p.document_number: p for p in postings}
    moves = _moves(connector, list(expected))
    assert sorted(m["description"] for m in moves) == sorted(expected)  # one move per entry
    assert {m["state"] for m in moves} == {"posted"}
    for move in moves:
        posting = expected[move["description"]]
        assert move["date"] == posting.posting_date
        booked = sorted(
            (line["account."]["code"], line["debit"], line["credit"])
            for line in _lines(connector, move)
        )
        sent = sorted((line.account, line.debit, line.credit) for line in posting.lines)
        assert booked == sent
        assert sum(b[1] for b in booked) == sum(b[2] for b in booked) > 0


def test_a_scenarios_journals_are_booked_once_as_balanced_moves(
    connector_module: TrytonErpConnector,
) -> None:
    """tm-correction-de (DE01, EUR) in January and February; multi-entity-cap-milestones
    in March: DE01 charges US01 in EUR (both legs), US01's revenue is in USD."""
    erp = TrytonJournals(connector_module.rpc)
    posted: list[LedgerPosting] = []
    for name, months in (("tm-correction-de.yaml", ("2026-01", "2026-02")),
                         ("multi-entity-cap-milestones.yaml", ("2026-03",))):  # fmt: skip
        book = _scenario(name)
        journals = LedgerJournals(book, CHART)
        poster = JournalPoster(journals, book, erp, FakeExceptions())
        for month in map(Period.parse, months):
            first = poster.post(month)
            assert poster.post(month) == first  # again: nothing new
            states = {s.document_number: s for s in first}
            for posting in journals.postings(month):
                if posting.currency == "EUR":
                    assert states[posting.document_number].state is PostingState.POSTED
                    posted.append(posting)
                else:
                    assert states[posting.document_number].state is PostingState.REFUSED
                    assert "is in USD, the Tryton company books in EUR" in str(
                        states[posting.document_number].reason
                    )
    _assert_booked_as_sent(connector_module, posted)
    legs = {p.document_number: p for p in posted if "intercompany" in p.document_number}
    assert set(legs) == {
        "DE01/2026-03/intercompany_revenue/K2/EUR",
        "US01/2026-03/intercompany_cost/K2/EUR",
    }
    revenue, cost = legs.values()
    assert {line.account for line in revenue.lines} == {"1.1.4", "6.1.1"}
    assert {line.account for line in cost.lines} == {"5.1.3", "2.3.4"}
    assert revenue.lines[0].debit == cost.lines[0].debit > 0


def test_a_period_closed_in_tryton_refuses_its_entries(
    connector_module: TrytonErpConnector,
) -> None:
    rpc = connector_module.rpc
    (period,) = rpc.model("account.period", "search", [("name", "=", "2026-11")], 0, 1, None)
    rpc.model("account.period", "close", [period])
    book, exceptions = _book(), FakeExceptions()
    poster = JournalPoster(LedgerJournals(book, CHART), book, TrytonJournals(rpc), exceptions)
    try:
        results = poster.post(NOV)
    finally:
        _reopen(rpc, period)
    assert [s.state for s in results] == [PostingState.REFUSED] * 2
    assert not _moves(connector_module, [s.document_number for s in results])
    refused = exceptions.records[(ExceptionKind.POSTING_REJECTED, results[0].document_number)]
    assert "period 2026-11 is closed in Tryton" in refused.message


def _reopen(rpc: Any, period: int) -> None:
    """Reopen the period and the journal-periods its close closed, which Tryton leaves
    closed: the other tests of the session post invoices in this month."""
    rpc.model("account.period", "reopen", [period])
    closed = rpc.model(
        "account.journal.period", "search", [("period", "=", period), ("state", "=", "closed")],
        0, None, None,
    )  # fmt: skip
    if closed:
        rpc.model("account.journal.period", "reopen", closed)
