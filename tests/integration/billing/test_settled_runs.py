"""A one-contract invoice run reads what may have changed, not the contract's history
(SQLite, PostgreSQL, MariaDB), and issues what a run over the whole contract issues.

Each test keeps a reference beside the store: the same changes applied to the whole
state and the pure engine run over it. A run with nothing but new time reads the new
entries alone; a correction of invoiced time reads the corrected entries and the
invoice they stand on and is credited as the whole run credits it; an amendment or a
transfer in HR makes the next run read the contract whole and re-price what they touch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.engine import Engine

from accord.adapters.billing_store import SqlAlchemyBillingStateStore
from accord.adapters.transactions import SqlAlchemyTransactions
from accord.application.billing import BillingBook, BillingService, IssuedRun
from accord.domain.billing.documents import DocumentKind
from accord.domain.billing.run import run_invoicing
from accord.domain.billing.state import (
    BillingState,
    amend_contract,
    approve_time,
    correct_time,
    transfer_resource,
)
from accord.domain.contracts.model import PersonRate
from tests.integration.billing.chunks import WatchedRows
from tests.unit.billing.builders import FEB, JAN, entry, make_state
from tests.unit.kpis.fakes import FakeAppliedRecords

JANUARY = [entry(f"J{n:02d}", 1 + n % 28, "2", resource=("R1", "R2")[n % 2]) for n in range(40)]
FEBRUARY = [entry("F1", 2, "3", month=2), entry("F2", 3, "1", month=2, resource="R2")]
Change = Callable[[BillingState], BillingState]


class Firm:
    """Contract K1 in the row store and, beside it, the whole state the engine runs on."""

    def __init__(self, engine: Engine, start: BillingState | None = None) -> None:
        self.rows = SqlAlchemyBillingStateStore(engine)
        self.watched = WatchedRows(self.rows)
        self.billing = BillingService(
            self.watched,  # type: ignore[arg-type]
            FakeAppliedRecords(),
            transaction=SqlAlchemyTransactions(engine),
        )
        self.reference = start or make_state()
        self.rows.save(BillingBook(self.reference), 0)

    def change(self, change: Change) -> None:
        """What catch-up does: change the stored book as loaded, save what changed."""
        book = self.rows.load()[0]
        assert book is not None
        self.rows.save(replace(book, state=change(book.state)), None, book)
        self.reference = change(self.reference)

    def run(self, through: date) -> IssuedRun:
        """The store's run of K1 and the history it read, checked against the engine's
        run over the whole state."""
        self.watched.history.clear()
        run = self.billing.run_invoices(through, "K1")
        expected = run_invoicing(self.reference, through, ["K1"])
        self.reference = expected.state
        assert run.documents == expected.documents
        assert run.exceptions == expected.exceptions
        assert run.intercompany == expected.intercompany
        stored = self.rows.load()[0]
        assert stored is not None and stored.state == self.reference
        return run


@pytest.fixture
def firm(engine: Engine) -> Firm:
    """K1 with forty entries invoiced in January."""
    firm = Firm(engine)
    firm.change(lambda s: approve_time(s, JANUARY))
    assert len(firm.run(JAN).documents) == 1
    return firm


def test_a_run_reads_the_new_time_and_none_of_the_invoiced_history(firm: Firm) -> None:
    firm.change(lambda s: approve_time(s, FEBRUARY))

    run = firm.run(FEB)

    assert [firm.billing.entries_billed_on(d.number) for d in run.documents] == [["F1", "F2"]]
    assert max(firm.watched.history) == len(FEBRUARY)  # no invoiced entry, no document
    assert firm.run(FEB).documents == ()
    assert max(firm.watched.history) == 0


def test_a_correction_after_invoicing_reads_the_entry_and_its_invoice_and_is_credited(
    firm: Firm,
) -> None:
    january = firm.billing.documents()[0]
    firm.change(lambda s: correct_time(s, "J03", hours=Decimal("0.5")))
    firm.change(lambda s: correct_time(s, "J04", hours=Decimal("6")))

    credit, invoice = firm.run(FEB).documents

    assert credit.kind is DocumentKind.CREDIT_NOTE and credit.references == (january.number,)
    assert credit.net_total == Decimal("-225.00")  # 1.5 h at 150 back
    assert invoice.net_total == Decimal("600.00")  # 4 h more at 150
    # the two entries, how they stood billed and the January invoice they stand on
    assert max(firm.watched.history) == 2 + 2 + 1
    assert firm.run(FEB).documents == ()
    assert max(firm.watched.history) == 0


def test_a_rate_amendment_re_prices_the_invoiced_time_it_covers(firm: Firm) -> None:
    override = PersonRate("R1", Decimal("180"), date(2026, 1, 1))
    firm.change(lambda s: amend_contract(s, "K1", "TM", person_rates=[override]))

    (invoice,) = firm.run(FEB).documents

    assert invoice.net_total == 20 * 2 * Decimal(30)  # R1's twenty entries, 30 more an hour
    assert max(firm.watched.history) >= len(JANUARY)  # read whole: any entry may change
    assert firm.run(FEB).documents == ()
    assert max(firm.watched.history) == 0


def test_a_transfer_in_hr_recharges_the_invoiced_time_it_covers(firm: Firm) -> None:
    firm.change(lambda s: transfer_resource(s, "R2", "US01", date(2026, 1, 15)))

    run = firm.run(FEB)

    assert run.documents == ()
    assert [(c.from_entity, c.resource, c.hours) for c in run.intercompany] == [
        ("US01", "R2", Decimal(7 * 2))  # R2's seven entries dated from the 15th
    ]
    assert firm.run(FEB).intercompany == ()
    assert max(firm.watched.history) == 0


def test_an_earlier_through_date_reads_the_contract_whole(firm: Firm) -> None:
    firm.change(lambda s: approve_time(s, FEBRUARY))
    assert firm.run(FEB).documents

    firm.run(JAN)

    assert max(firm.watched.history) >= len(JANUARY) + len(FEBRUARY)
