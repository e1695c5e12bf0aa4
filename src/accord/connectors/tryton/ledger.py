"""The Tryton records every Accord invoice refers to, looked up once per connector."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from accord.connectors.tryton.amounts import TaxAccounts
from accord.connectors.tryton.mapping import LedgerSetup
from accord.connectors.tryton.rpc import TrytonRpc


def load_ledger_setup(rpc: TrytonRpc, product_code: str) -> LedgerSetup:
    """Find the company, revenue journal, service product, accounts and taxes.

    Raises `LookupError` naming what is missing, so an operator knows what to set up.
    """
    company = rpc.context.get("company")
    if not company:
        raise LookupError("the Tryton user has no current company; set one in its preferences")
    product = _service_product(rpc, product_code)
    journals = rpc.model("account.journal", "search", [("type", "=", "revenue")], 0, 1, None)
    if not journals:
        raise LookupError("Tryton has no revenue journal; create the chart of accounts first")
    (configuration,) = rpc.model(
        "account.configuration", "read", [1], ["default_account_receivable"]
    )
    if not configuration["default_account_receivable"]:
        raise LookupError(
            "Tryton has no default receivable account; set it in the accounting configuration"
        )
    terms = rpc.model("account.invoice.payment_term", "search", [], 0, 1, None)
    currencies = rpc.model("currency.currency", "search_read", [], 0, None, None, ["code"])
    taxes = _percentage_taxes(rpc, company)
    rates_by_tax = {tax["id"]: Decimal(tax["rate"]) for tax in taxes}
    taxes_by_rate: dict[Decimal, int] = {}
    for tax_id, rate in rates_by_tax.items():
        taxes_by_rate.setdefault(rate, tax_id)  # the oldest tax of a rate wins
    tax_accounts = {
        tax["id"]: TaxAccounts(
            tax["description"] or tax["name"], tax["invoice_account"], tax["credit_note_account"]
        )
        for tax in taxes
    }
    return LedgerSetup(
        company=company,
        journal=journals[0],
        product=product["id"],
        unit=product["default_uom"],
        revenue_account=product["revenue_account"],
        default_receivable=configuration["default_account_receivable"],
        payment_term=terms[0] if terms else None,
        currencies={currency["code"]: currency["id"] for currency in currencies},
        taxes_by_rate=taxes_by_rate,
        rates_by_tax=rates_by_tax,
        tax_accounts=tax_accounts,
    )


def _service_product(rpc: TrytonRpc, product_code: str) -> dict[str, Any]:
    """The product every line is booked on, with its unit and revenue account."""
    products = rpc.model(
        "product.product", "search_read", [("code", "=", product_code)], 0, 1, None,
        ["default_uom", "template.account_category.account_revenue"],
    )  # fmt: skip
    if not products:
        raise LookupError(
            f"Tryton has no product with code {product_code!r}; create the service product "
            "Accord invoices with, or set product_code in the connector configuration"
        )
    product: dict[str, Any] = products[0]
    template = product.get("template.") or {}
    revenue_account = (template.get("account_category.") or {}).get("account_revenue")
    if not revenue_account:
        raise LookupError(
            f"product {product_code!r} has no revenue account; give its account category one"
        )
    return {**product, "revenue_account": revenue_account}


def _percentage_taxes(rpc: TrytonRpc, company: int) -> list[dict[str, Any]]:
    """The company's top-level percentage taxes (rate a fraction, 0.19) with the accounts
    their invoice and credit note lines use."""
    taxes: list[dict[str, Any]] = rpc.model(
        "account.tax", "search_read",
        [("type", "=", "percentage"), ("parent", "=", None), ("company", "=", company)],
        0, None, [["id", "ASC"]],
        ["rate", "name", "description", "invoice_account", "credit_note_account"],
    )  # fmt: skip
    return taxes
