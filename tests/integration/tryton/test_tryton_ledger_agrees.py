"""Tryton's ledger agrees with Accord's invoice to the cent, or finance hears of it.

Tryton rounds line amounts half-even and computes tax on unrounded line amounts; Accord
rounds half-up and taxes the sum of rounded nets per rate (BR-CO-17). Documents with
awkward quantities, prices and rates are posted into a live Tryton through the posting
step, and Tryton's own totals are read back.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.connectors.tryton import TrytonErpConnector
from accord.domain.billing.documents import Document, line_net
from accord.domain.billing.posting_check import DocumentTotals
from accord.domain.exceptions import ExceptionKind
from tests.integration.tryton.ledger_fakes import issued_document, posting_step, totals_in_tryton
from tests.integration.tryton.tryton_helpers import customer, unique

pytestmark = pytest.mark.tryton

ISSUED_ON = dt.date(2026, 11, 1)  # Tryton numbers invoices in date order: as the others
RATES = [Decimal("19"), Decimal("7"), Decimal("20"), Decimal("5.5"), Decimal("8.1"), Decimal(0)]

quantities = st.decimals(Decimal("0.001"), Decimal("40"), places=3) | st.decimals(
    Decimal("0.25"), Decimal("12"), places=2
)
prices = st.decimals(Decimal("0.01"), Decimal("2500"), places=4) | st.decimals(
    Decimal("1"), Decimal("250"), places=2
)


@st.composite
def awkward_lines(draw: st.DrawFn) -> list[tuple[Decimal, Decimal, Decimal, Decimal]]:
    """Up to six lines; some are corrections (negative quantity) of a smaller amount."""
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        quantity, price = draw(quantities), draw(prices)
        if lines and draw(st.booleans()):
            quantity = -min(quantity, Decimal("0.5"))
        lines.append(
            (quantity, price, line_net(quantity, price, "EUR"), draw(st.sampled_from(RATES)))
        )
    return lines


def totals_of(document: Document) -> DocumentTotals:
    return DocumentTotals(
        document.currency, document.net_total, document.tax_total, document.gross_total
    )


@pytest.fixture(scope="module")
def customer_id(connector_module: TrytonErpConnector) -> str:
    customer_id = unique("C-LEDGER")
    connector_module.upsert_customer(customer(customer_id))
    return customer_id


def test_tryton_totals_equal_the_issued_documents(
    connector_module: TrytonErpConnector, customer_id: str
) -> None:
    step, billing, exceptions = posting_step(connector_module)
    disagreements: list[str] = []

    @settings(
        max_examples=15, deadline=None, database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )  # fmt: skip
    @given(lines=awkward_lines())
    def post(lines: list[tuple[Decimal, Decimal, Decimal, Decimal]]) -> None:
        number = unique("INV-PROP")
        document = issued_document(number, customer_id, lines, ISSUED_ON)
        billing.documents[number] = document
        exceptions.opened.clear()

        assert step.post_to_erp(number).done
        held = totals_in_tryton(connector_module, number)

        if held == totals_of(document):
            assert exceptions.opened == []
            return
        ((mismatch, details),) = exceptions.opened  # a difference is never silent
        assert (mismatch.kind, mismatch.subject) == (ExceptionKind.POSTING_MISMATCH, number)
        assert details["erp"] == held.as_details()
        assert details["issued"] == totals_of(document).as_details()
        disagreements.append(f"{number}: {lines} issued {details['issued']} erp {details['erp']}")

    post()
    assert disagreements == [], "Tryton's ledger differs from the issued documents"


def test_a_ledger_that_differs_opens_a_posting_mismatch_with_both_figures(
    connector_module: TrytonErpConnector, customer_id: str
) -> None:
    step, billing, exceptions = posting_step(connector_module)
    number = unique("INV-DIFF")
    lines = [(Decimal("0.5"), Decimal("21.97"), Decimal("10.99"), Decimal("19"))]
    billing.documents[number] = issued_document(number, customer_id, lines, ISSUED_ON)
    assert step.post_to_erp(number).done and exceptions.opened == []

    # Accord's record of the same number now says a cent more than the posted entry.
    more = [(Decimal(1), Decimal("11.00"), Decimal("11.00"), Decimal("19"))]
    billing.documents[number] = issued_document(number, customer_id, more, ISSUED_ON)
    assert step.post_to_erp(number).done

    ((mismatch, details),) = exceptions.opened
    assert mismatch.kind is ExceptionKind.POSTING_MISMATCH and mismatch.owner == "finance"
    assert details["erp"] == {
        "currency": "EUR",
        "untaxed": "10.99",
        "tax": "2.09",
        "total": "13.08",
    }
    assert details["issued"] == {
        "currency": "EUR",
        "untaxed": "11.00",
        "tax": "2.09",
        "total": "13.09",
    }
