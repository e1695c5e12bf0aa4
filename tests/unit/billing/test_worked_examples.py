"""Worked examples: rate splits, rounding in JPY / KWD / BHD, reverse charge, FX via the
inverse pair, and the business exceptions that stop a document instead of guessing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from accord.domain.billing.report import render_document
from accord.domain.billing.run import run_invoicing
from accord.domain.billing.state import amend_contract, approve_expenses, approve_time
from accord.domain.contracts.model import (
    ExpensePolicy,
    FxQuote,
    PersonRate,
    RateVersion,
    TaxCategory,
    TaxRule,
    TimeAndMaterialsTerm,
)
from accord.domain.delivery.model import Expense
from accord.domain.exceptions import ExceptionKind, OwnerRole
from tests.unit.billing.builders import FEB, JAN, D, entry, make_state, tm_term


def _lines(document: object) -> list[tuple[str, str, str, str]]:
    rendered = render_document(document)  # type: ignore[arg-type]
    return [
        (ln["description"], ln["quantity"], ln["unit_price"], ln["net"]) for ln in rendered["lines"]
    ]


def test_rate_change_mid_week_splits_the_time_into_two_lines() -> None:
    state = make_state()
    state = amend_contract(
        state, "K1", "TM", rates=[RateVersion("consultant", D("160"), date(2026, 1, 7))]
    )
    week = [entry(f"T{day}", day, "8") for day in (5, 6, 7, 8, 9)]
    result = run_invoicing(approve_time(state, week), JAN)
    (invoice,) = result.documents
    assert _lines(invoice) == [
        ("consultant", "16.00", "150.00", "2400.00"),
        ("consultant", "24.00", "160.00", "3840.00"),
    ]
    assert render_document(invoice)["gross_total"] == "7425.60"


def test_person_override_beats_role_rate_and_wildcard() -> None:
    term = TimeAndMaterialsTerm(
        "TM",
        (
            RateVersion("*", D("120"), date(2026, 1, 1)),
            RateVersion("consultant", D("150"), date(2026, 1, 1)),
        ),
        (PersonRate("R2", D("175"), date(2026, 1, 1)),),
    )
    state = approve_time(
        make_state(term), [entry("T1", 5, "2"), entry("T2", 5, "3", resource="R2")]
    )
    (invoice,) = run_invoicing(state, JAN).documents
    assert _lines(invoice) == [
        ("consultant", "2.00", "150.00", "300.00"),
        ("consultant", "3.00", "175.00", "525.00"),
    ]


def test_jpy_rounds_half_up_to_whole_yen() -> None:
    rule = TaxRule("JP01", "JP", TaxCategory.STANDARD, D("10"))
    state = make_state(tm_term("9999"), currency="JPY", entity="JP01", country="JP", tax=(rule,))
    (invoice,) = run_invoicing(approve_time(state, [entry("T1", 5, "1.25")]), JAN).documents
    rendered = render_document(invoice)
    assert _lines(invoice) == [("consultant", "1.25", "9999", "12499")]
    assert (rendered["tax_total"], rendered["gross_total"]) == ("1250", "13749")


def test_kwd_and_bhd_round_to_three_decimals() -> None:
    kw = TaxRule("KW01", "KW", TaxCategory.OUTSIDE_SCOPE, D("0"))
    state = make_state(tm_term("45.125"), currency="KWD", entity="KW01", country="KW", tax=(kw,))
    (invoice,) = run_invoicing(approve_time(state, [entry("T1", 5, "3.33")]), JAN).documents
    assert _lines(invoice) == [("consultant", "3.33", "45.125", "150.266")]
    bh = TaxRule("BH01", "BH", TaxCategory.STANDARD, D("10"))
    state = make_state(tm_term("45.125"), currency="BHD", entity="BH01", country="BH", tax=(bh,))
    (invoice,) = run_invoicing(approve_time(state, [entry("T1", 5, "3.33")]), JAN).documents
    assert render_document(invoice)["tax_total"] == "15.027"
    assert render_document(invoice)["gross_total"] == "165.293"


def test_eu_reverse_charge_has_zero_tax_and_still_a_line() -> None:
    rule = TaxRule("DE01", "FR", TaxCategory.REVERSE_CHARGE, D("0"))
    state = make_state(country="FR", tax=(rule,))
    (invoice,) = run_invoicing(approve_time(state, [entry("T1", 5, "10")]), JAN).documents
    rendered = render_document(invoice)
    assert [(ln["tax_category"], ln["tax_rate"], ln["net"]) for ln in rendered["lines"]] == [
        ("AE", "0.00", "1500.00")
    ]
    assert (rendered["tax_total"], rendered["gross_total"]) == ("0.00", "1500.00")


def test_expense_in_a_third_currency_uses_the_inverse_of_the_listed_pair() -> None:
    quote = FxQuote(date(2026, 1, 1), "GBP", "USD", D("1.2700"))
    rule = TaxRule("UK01", "GB", TaxCategory.STANDARD, D("20"))
    state = make_state(
        currency="GBP",
        entity="UK01",
        country="GB",
        tax=(rule,),
        fx=(quote,),
        expense_policy=ExpensePolicy(D("10"), D("0")),
    )
    state = approve_expenses(state, [Expense("E1", "K1", "R1", date(2026, 1, 14), D("250"), "USD")])
    (invoice,) = run_invoicing(state, JAN).documents
    # 250 x (1 / 1.27 = 0.7874015748) x 1.10 = 216.5354... -> 216.54
    assert _lines(invoice) == [("E1", "1.00", "216.54", "216.54")]


def test_missing_tax_rule_is_a_finance_exception_and_no_document() -> None:
    state = approve_time(make_state(country="FR", tax=()), [entry("T1", 5, "10")])
    result = run_invoicing(state, JAN)
    assert result.documents == ()
    (problem,) = result.exceptions
    assert (problem.kind, problem.subject, problem.owner) == (
        ExceptionKind.MISSING_TAX_RULE,
        "K1",
        OwnerRole.FINANCE,
    )
    fixed = replace(
        result.state,
        firm=replace(state.firm, tax=(TaxRule("DE01", "FR", TaxCategory.REVERSE_CHARGE, D("0")),)),
    )
    retried = run_invoicing(fixed, FEB)
    assert [d.number for d in retried.documents] == ["INV-DE01-000001"]
    assert retried.documents[0].issue_date == FEB


def test_missing_fx_rate_blocks_the_document() -> None:
    state = make_state(expense_policy=ExpensePolicy())
    state = approve_time(state, [entry("T1", 5, "1")])
    state = approve_expenses(state, [Expense("E1", "K1", "R1", date(2026, 1, 9), D("80"), "CHF")])
    result = run_invoicing(state, JAN)
    assert result.documents == ()
    assert [(x.kind, x.subject) for x in result.exceptions] == [
        (ExceptionKind.MISSING_FX_RATE, "K1")
    ]
    assert result.state.ledger.entries == {}


def test_fx_before_the_first_quote_is_missing_not_guessed() -> None:
    quote = FxQuote(date(2026, 2, 1), "CHF", "EUR", D("1.05"))
    state = make_state(fx=(quote,), expense_policy=ExpensePolicy())
    state = approve_expenses(state, [Expense("E1", "K1", "R1", date(2026, 1, 9), D("80"), "CHF")])
    assert run_invoicing(state, JAN).exceptions[0].kind is ExceptionKind.MISSING_FX_RATE


def test_expense_markup_and_flat_fee() -> None:
    quote = FxQuote(date(2026, 1, 1), "CHF", "EUR", D("1.0512"))
    state = make_state(fx=(quote,), expense_policy=ExpensePolicy(D("5"), D("12.50")))
    state = approve_expenses(state, [Expense("E1", "K1", "R1", date(2026, 1, 9), D("80"), "CHF")])
    (invoice,) = run_invoicing(state, JAN).documents
    # 80 x 1.0512 x 1.05 + 12.50 = 100.8008 -> 100.80
    assert _lines(invoice) == [("E1", "1.00", "100.80", "100.80")]
