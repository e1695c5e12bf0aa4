"""Corrections of a posting the ERP refused: which fields a person may change, and why.

An issued document is never edited: what it bills, and for how much, is corrected by a
new document (a credit note). What the ERP refuses is often not the money but how the
document is presented to the ledger: a customer the ERP knows under another code, a
posting date in a period the ERP has closed, a line's tax code the ERP does not
carry. So a posting correction may change only the customer, the dates, the references
and each line's description and tax category; every amount, quantity, rate, line and the
document's identity stay as issued. Such a correction always needs a second person's
approval (it changes what reaches the ledger).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from accord.domain.corrections import FieldChange

EDITABLE = frozenset({"customer", "issue_date", "due_date", "references"})
"""Document fields a posting correction may change."""
EDITABLE_ON_LINES = frozenset({"description", "tax_category"})
"""Line fields a posting correction may change."""
TOTALS = ("net_total", "tax_total", "gross_total")


class PostingCorrectionRefused(ValueError):
    """The corrected posting changes what was issued, or nothing at all."""


def posting_changes(issued: Mapping[str, Any], corrected: Mapping[str, Any]) -> list[FieldChange]:
    """The fields that differ between the issued document's posting and the corrected
    one, nested objects and list items by dotted path (`lines.0.tax_category`)."""
    old, new = dict(_flatten(issued)), dict(_flatten(corrected))
    names = sorted(set(old) | set(new))
    return [
        FieldChange(name, old.get(name), new.get(name))
        for name in names
        if not _same(old.get(name), new.get(name))
    ]


def check_posting_correction(
    issued: Mapping[str, Any], corrected: Mapping[str, Any]
) -> list[FieldChange]:
    """The changes of an acceptable correction; refused when it changes nothing or
    anything but the customer, dates, references, line descriptions and tax categories."""
    changes = posting_changes(issued, corrected)
    if not changes:
        raise PostingCorrectionRefused(
            "the corrected posting is the one the ERP refused; change the field it names"
        )
    fixed = [change.field for change in changes if not is_editable(change.field)]
    if fixed:
        raise PostingCorrectionRefused(
            f"a posting correction may change only the customer, the dates, the references "
            f"and each line's description and tax category; {', '.join(fixed)} would change "
            "what was issued: correct an issued document with a credit note instead"
        )
    return changes


def is_editable(path: str) -> bool:
    """Whether a field (dotted path) is one a posting correction may change."""
    parts = path.split(".")
    if parts[0] in EDITABLE:
        return True
    return len(parts) == 3 and parts[0] == "lines" and parts[2] in EDITABLE_ON_LINES


def totals(document: Mapping[str, Any]) -> dict[str, Decimal]:
    """The document's net, tax and gross totals."""
    return {name: Decimal(str(document.get(name, "0"))) for name in TOTALS}


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, Mapping) and value:
        items: Sequence[tuple[str, Any]] = [(str(k), v) for k, v in value.items()]
    elif isinstance(value, list) and value and prefix != "references.":
        items = [(str(i), v) for i, v in enumerate(value)]
    else:
        return [(prefix.removesuffix("."), value)]
    flat: list[tuple[str, Any]] = []
    for name, inner in items:
        flat += _flatten(inner, f"{prefix}{name}.")
    return flat


def _same(before: Any, after: Any) -> bool:
    """Equal, amounts compared as numbers (`"100.0"` is `"100.00"`)."""
    if before == after:
        return True
    try:
        return Decimal(str(before)) == Decimal(str(after))
    except (InvalidOperation, ValueError):
        return False
