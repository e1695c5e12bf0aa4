"""Field-level masking: cost rates, margins, markups and payroll data for callers without
`sensitive`.

Masking works on field names anywhere in a document, so a new canonical field named like
a sensitive one is masked by default rather than leaked by default.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from accord.application.security import Permission, Principal

MASK = "***"
"""What a masked value reads as; the field stays so clients see something was withheld."""

SENSITIVE_FIELDS = frozenset(
    {
        "cost_rate",
        "cost_rates",
        "estimated_cost",
        "cost",
        "margin",
        "margin_percent",
        "gross_margin",
        "transfer_markup_percent",
        "intercompany_markup_percent",
        "salary",
        "compensation",
        "payroll",
        "bank_account",
        "iban",
    }
)


def is_sensitive(field: str) -> bool:
    return field in SENSITIVE_FIELDS


def mask(document: Any) -> Any:
    """A copy of `document` with every sensitive field's value replaced by MASK."""
    if isinstance(document, Mapping):
        return {
            key: MASK if is_sensitive(str(key)) else mask(value) for key, value in document.items()
        }
    if isinstance(document, list | tuple):
        return [mask(item) for item in document]
    return document


def masked_for(principal: Principal, document: Any) -> Any:
    """The document as `principal` may see it."""
    return document if principal.can(Permission.SENSITIVE) else mask(document)
