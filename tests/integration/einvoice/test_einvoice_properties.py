"""Any document the billing engine can issue, in any VAT category a services firm uses and
any two- or zero-decimal currency, is a valid EN 16931 e-invoice in both syntaxes; what the
standard cannot express is rejected with its rule named, never patched."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.adapters.einvoice.cii import CiiRenderer
from accord.adapters.einvoice.saxon import SaxonEN16931Validator
from accord.adapters.einvoice.ubl import UblRenderer
from accord.domain.billing.documents import (
    Document,
    DocumentKind,
    DraftLine,
    LineKind,
    build_document,
    line_net,
)
from accord.domain.billing.einvoice import EInvoice, Party
from accord.domain.contracts.model import TaxCategory, TaxRule

SELLER = Party("Beispiel Beratung GmbH", "DE", "Hauptstr. 1", "Berlin", "10115", "DE123456789",
               "HRB 12345")  # fmt: skip
BUYER = Party("Lyon SA", "FR", "1 quai", "Lyon", "69001", "FR12345678901")
RENDERERS = (UblRenderer(), CiiRenderer())

quantities = st.decimals(D("-40"), D("40"), places=2).filter(lambda q: q != 0)
prices = st.decimals(D("-5000"), D("5000"), places=2).filter(lambda p: p != 0)
rules = st.one_of(
    st.builds(
        lambda rate: TaxRule("DE01", "FR", TaxCategory.STANDARD, rate),
        st.sampled_from([D("5"), D("7"), D("19"), D("20"), D("21"), D("25.5")]),
    ),
    st.sampled_from(
        [TaxCategory.ZERO_RATED, TaxCategory.EXEMPT, TaxCategory.REVERSE_CHARGE, TaxCategory.EXPORT,
         TaxCategory.OUTSIDE_SCOPE]
    ).map(lambda category: TaxRule("DE01", "FR", category, D(0))),
)  # fmt: skip


@st.composite
def documents(draw: st.DrawFn, currency: st.SearchStrategy[str]) -> Document:
    code = draw(currency)
    kind = draw(st.sampled_from(DocumentKind))
    lines = [
        DraftLine(draw(st.sampled_from(LineKind)), "TM", f"line {i}", q, p, line_net(q, p, code))
        for i, (q, p) in enumerate(draw(st.lists(st.tuples(quantities, prices), min_size=1,
                                                 max_size=6)))
    ]  # fmt: skip
    references = ("INV-DE01-000001",) if kind is DocumentKind.CREDIT_NOTE else ()
    header = ("K1", "C1", "DE01", code)
    return build_document("N-1", kind, header, dt.date(2026, 1, 31), references, lines, draw(rules))


def _rules_broken(validator: SaxonEN16931Validator, document: Document) -> dict[str, set[str]]:
    corrected = tuple((r, dt.date(2026, 1, 1)) for r in document.references)
    seller = SELLER
    if all(line.tax_category is TaxCategory.OUTSIDE_SCOPE for line in document.lines):
        seller = Party(SELLER.name, SELLER.country, registration_id=SELLER.registration_id)
    einvoice = EInvoice(document, seller, BUYER, "30 days net", corrected)
    found = {r.syntax: validator.validate("N-1", r.syntax, r.render(einvoice)) for r in RENDERERS}
    return {syntax.value: {v.rule for v in result.violations} for syntax, result in found.items()}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=documents(st.sampled_from(["EUR", "GBP", "USD", "CHF", "JPY", "HUF"])))
def test_any_document_is_a_valid_einvoice_in_both_syntaxes(
    validator: SaxonEN16931Validator, document: Document
) -> None:
    assert _rules_broken(validator, document) == {"ubl": set(), "cii": set()}


def test_three_decimal_currencies_are_rejected_by_the_decimal_rules(
    validator: SaxonEN16931Validator,
) -> None:
    rule = TaxRule("DE01", "FR", TaxCategory.ZERO_RATED, D(0))
    q, p = D("1"), D("10.125")
    line = DraftLine(LineKind.TIME, "TM", "advice", q, p, line_net(q, p, "KWD"))
    document = build_document("N-1", DocumentKind.INVOICE, ("K1", "C1", "DE01", "KWD"),
                              dt.date(2026, 1, 31), (), [line], rule)  # fmt: skip
    broken = _rules_broken(validator, document)
    assert all("BR-DEC-20" in found for found in broken.values()), broken
