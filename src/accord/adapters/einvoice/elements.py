"""Small helpers shared by the UBL and CII writers (standard library ElementTree)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

from accord.domain.billing.documents import LineKind
from accord.domain.contracts.model import TaxCategory

EXEMPTION_REASONS: dict[TaxCategory, tuple[str, str]] = {
    TaxCategory.EXEMPT: ("", "Exempt from VAT"),
    TaxCategory.REVERSE_CHARGE: ("VATEX-EU-AE", "Reverse charge"),
    TaxCategory.INTRA_COMMUNITY: ("VATEX-EU-IC", "Intra-community supply"),
    TaxCategory.EXPORT: ("VATEX-EU-G", "Export outside the EU"),
    TaxCategory.OUTSIDE_SCOPE: ("VATEX-EU-O", "Not subject to VAT"),
}
"""VAT categories whose breakdown must give a reason (BR-E-10, BR-AE-10, BR-IC-10,
BR-G-10, BR-O-10): (VATEX code or "", text)."""


def child(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrib)
    if text is not None:
        element.text = text
    return element


def amount(value: Decimal) -> str:
    """A money amount as held (already rounded to the currency's minor units). A zero is
    never written "-0.00" (tax rounded from a tiny negative base): the CII rules then miss
    that it equals the total."""
    return format(value.copy_abs() if value == 0 else value, "f")


def number(value: Decimal) -> str:
    """A quantity, rate or price without trailing zeros beyond what it holds."""
    return format(value.copy_abs().normalize() if value == 0 else value.normalize(), "f")


def unit_code(kind: LineKind) -> str:
    """UN/ECE Rec 20: hours for time, one (C62) for everything else."""
    return "HUR" if kind is LineKind.TIME else "C62"


def has_rate(category: TaxCategory) -> bool:
    """ "Not subject to VAT" carries no rate at all (BR-O-05, BR-O-09)."""
    return category is not TaxCategory.OUTSIDE_SCOPE


def serialise(root: ET.Element) -> bytes:
    ET.indent(root)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))
