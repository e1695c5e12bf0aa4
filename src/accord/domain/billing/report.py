"""Documents and billing figures as plain dicts in the scenario format's report shape.

Amounts are strings with the currency's minor units ("1500.00", JPY "1500"); quantities,
hours and tax rates have exactly 2 decimals. The scenario runner and the tests share it.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from accord.domain.billing.documents import Document, DocumentLine
from accord.domain.billing.ledger import IntercompanyCharge
from accord.domain.billing.state import BillingState
from accord.domain.contracts.model import RetainerTerm, TimeAndMaterialsTerm
from accord.domain.money import minor_units, round_to_currency

TWO_PLACES = Decimal("0.01")


def format_amount(value: Decimal, currency: str) -> str:
    """An amount with exactly the currency's minor units; never "-0.00"."""
    rounded = round_to_currency(value, currency)
    return f"{rounded if rounded else abs(rounded):.{minor_units(currency)}f}"


def format_quantity(value: Decimal) -> str:
    """Quantities, hours and tax rates: exactly 2 decimals."""
    rounded = value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
    return f"{rounded if rounded else abs(rounded):.2f}"


def render_line(line: DocumentLine, currency: str) -> dict[str, Any]:
    return {
        "kind": line.kind.value,
        "term": line.term,
        "description": line.description,
        "quantity": format_quantity(line.quantity),
        "unit_price": format_amount(line.unit_price, currency),
        "net": format_amount(line.net, currency),
        "tax_category": line.tax_category.value,
        "tax_rate": format_quantity(line.tax_rate),
    }


def render_document(document: Document) -> dict[str, Any]:
    currency = document.currency
    return {
        "number": document.number,
        "kind": document.kind.value,
        "type_code": document.type_code,
        "contract": document.contract,
        "customer": document.customer,
        "entity": document.entity,
        "currency": currency,
        "issue_date": document.issue_date.isoformat(),
        "references": list(document.references),
        "lines": [render_line(line, currency) for line in document.lines],
        "net_total": format_amount(document.net_total, currency),
        "tax_total": format_amount(document.tax_total, currency),
        "gross_total": format_amount(document.gross_total, currency),
        "paid": format_amount(document.paid, currency),
        "status": document.status.value,
    }


def render_documents(state: BillingState) -> list[dict[str, Any]]:
    """Every issued document, in issue order."""
    return [render_document(d) for d in state.ledger.documents.values()]


def render_held(state: BillingState) -> list[dict[str, Any]]:
    """Value held by each capped term, contracts and terms in onboarding order."""
    rows = []
    for contract in state.contracts.values():
        for term in contract.terms:
            if isinstance(term, TimeAndMaterialsTerm) and term.cap is not None:
                amount = state.ledger.held.get((contract.id, term.id), Decimal(0))
                rows.append(
                    {
                        "contract": contract.id,
                        "term": term.id,
                        "amount": format_amount(amount, contract.currency),
                        "currency": contract.currency,
                    }
                )
    return rows


def render_retainers(state: BillingState) -> list[dict[str, Any]]:
    rows = []
    for contract in state.contracts.values():
        for term in contract.terms:
            if isinstance(term, RetainerTerm):
                balance = state.ledger.retainer_balance.get((contract.id, term.id), Decimal(0))
                rows.append(
                    {
                        "contract": contract.id,
                        "term": term.id,
                        "balance": format_amount(balance, contract.currency),
                    }
                )
    return rows


def render_intercompany(charges: Iterable[IntercompanyCharge]) -> list[dict[str, Any]]:
    return [
        {
            "from_entity": c.from_entity,
            "to_entity": c.to_entity,
            "resource": c.resource,
            "hours": format_quantity(c.hours),
            "amount": format_amount(c.amount, c.currency),
            "currency": c.currency,
            "amount_in_contract_currency": format_amount(
                c.amount_in_contract_currency, c.contract_currency
            ),
        }
        for c in charges
    ]
