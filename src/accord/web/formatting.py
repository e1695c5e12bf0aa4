"""How the dashboard writes numbers for people: money with thousands separators and its
currency (`1,234,567.50 EUR`), one Jinja filter for every page."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from accord.domain.money import MINOR_UNITS


def money(amount: object, currency: object = None) -> str:
    """`amount` (a Decimal or its string, as read models carry money) with thousands
    separators, the currency's minor units and the currency code; '' for no amount.

    A value that is not a number (e.g. masked as `***`) is shown as it is."""
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return f"{amount} {currency}".strip() if currency else str(amount)
    places = MINOR_UNITS.get(str(currency), 2) if currency else None
    text = f"{value:,.{places}f}" if places is not None else f"{value:,f}"
    return f"{text} {currency}" if currency else text
