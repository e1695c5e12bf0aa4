"""Accounting set-up of a fresh Tryton database, so Accord can invoice into it.

Run once per initialised database, after ``trytond-admin`` has activated the modules:

    python -m accord.connectors.tryton.provision CONFIG_FILE DATABASE_NAME

It creates what a professional-services firm needs before its first invoice: a company
in EUR, fiscal years with monthly periods and invoice sequences, the standard chart of
accounts, a 19 % sales tax and four other rates, tax rounded per document (as Accord
does), a direct payment term, a service product sold by the hour, an employee with an
hourly cost price, and a cash payment method (so payments can be registered against
invoices). It adapts the scenario tests shipped with the Tryton
modules; it runs in its own process because proteus configures trytond globally.
"""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal
from typing import Any

# The harness hashes this file into its cache key: change anything here and the cached
# database is rebuilt.
FISCAL_YEARS = sorted({2026, dt.date.today().year})
COMPANY_NAME = "Accord Test Consulting GmbH"
CURRENCY_CODE = "EUR"
SALES_TAX_RATE = Decimal("0.19")
# Further rates the tests invoice with (reduced, other member states, Switzerland).
OTHER_TAX_RATES = (Decimal("0.07"), Decimal("0.20"), Decimal("0.055"), Decimal("0.081"))
TAX_ROUNDING = "document"  # one rounding per tax on the document, as Accord (BR-CO-17)
SERVICE_PRODUCT_CODE = "SERVICES"
EMPLOYEE_COST_PRICE = Decimal("60.00")


def provision(config_file: str, database: str) -> None:
    """Create company, accounting, tax, product and employee in ``database``."""
    from proteus import config as proteus_config

    proteus_config.set_trytond(database=database, config_file=config_file)
    from proteus import Model
    from trytond.modules.account.tests.tools import create_chart, create_tax, get_accounts
    from trytond.modules.company.tests.tools import create_company
    from trytond.modules.currency.tests.tools import get_currency

    company_party = Model.get("party.party")(name=COMPANY_NAME)
    company_party.save()
    create_company(party=company_party, currency=get_currency(CURRENCY_CODE))
    create_chart()
    for year in FISCAL_YEARS:
        _create_fiscal_year(year)
    accounts = get_accounts()
    tax = create_tax(SALES_TAX_RATE)
    tax.name = tax.description = "VAT 19%"
    tax.save()
    for rate in OTHER_TAX_RATES:
        other = create_tax(rate)
        other.name = other.description = f"VAT {(rate * 100).normalize():f}%"
        other.save()
    _set_tax_rounding()
    _create_payment_term()
    _create_service_product(accounts["revenue"], tax)
    _create_employee()
    _create_cash_payment_method(accounts["cash"])


def _create_fiscal_year(year: int) -> None:
    from trytond.modules.account.tests.tools import create_fiscalyear
    from trytond.modules.account_invoice.tests.tools import set_fiscalyear_invoice_sequences

    fiscal_year = set_fiscalyear_invoice_sequences(
        create_fiscalyear(today=(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    )
    fiscal_year.name = str(year)
    fiscal_year.save()
    fiscal_year.click("create_period")


def _set_tax_rounding() -> None:
    from proteus import Model

    configuration = Model.get("account.configuration")(1)
    configuration.tax_rounding = TAX_ROUNDING
    configuration.save()


def _create_payment_term() -> None:
    from trytond.modules.account_invoice.tests.tools import create_payment_term

    create_payment_term().save()


def _create_service_product(revenue_account: Any, tax: Any) -> None:
    from proteus import Model

    category = Model.get("product.category")(name="Professional services")
    category.accounting = True
    category.account_revenue = revenue_account
    category.customer_taxes.append(tax)
    category.save()
    (hour,) = Model.get("product.uom").find([("name", "=", "Hour")])
    template = Model.get("product.template")()
    template.name = "Professional services"
    template.type = "service"
    template.default_uom = hour
    template.list_price = Decimal("0")
    template.account_category = category
    (product,) = template.products
    product.suffix_code = SERVICE_PRODUCT_CODE
    template.save()


def _create_employee() -> None:
    from proteus import Model

    party = Model.get("party.party")(name="Ada Consultant")
    party.save()
    employee = Model.get("company.employee")(party=party)
    employee.cost_prices.new(date=dt.date(FISCAL_YEARS[0], 1, 1), cost_price=EMPLOYEE_COST_PRICE)
    employee.save()


def _create_cash_payment_method(cash_account: Any) -> None:
    from proteus import Model

    (journal,) = Model.get("account.journal").find([("type", "=", "cash")])
    method = Model.get("account.invoice.payment.method")(name="Bank transfer")
    method.journal = journal
    method.credit_account = cash_account
    method.debit_account = cash_account
    method.save()


def main(argv: list[str]) -> int:
    """Command-line entry point: ``provision CONFIG_FILE DATABASE_NAME``."""
    if len(argv) != 2:
        print("usage: python -m accord.connectors.tryton.provision CONFIG_FILE DATABASE_NAME")
        return 2
    provision(argv[0], argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
