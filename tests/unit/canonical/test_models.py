"""Canonical v1 models: strict at the boundary, decimals as strings, `from` on the wire."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import get_args

import pytest
from pydantic import ValidationError

from accord.canonical.base import CanonicalValue
from accord.canonical.v1 import (
    Contract,
    FixedFeeTerm,
    Invoice,
    LedgerPosting,
    Milestone,
    Resource,
    RetainerTerm,
    TimeAndMaterialsTerm,
    TimeEntry,
)

CONTRACT = {
    "id": "K2",
    "customer": "C2",
    "entity": "US01",
    "currency": "USD",
    "start": "2026-03-01",
    "end": "2026-12-31",
    "intercompany_markup_percent": "10",
    "terms": [
        {
            "id": "TM",
            "type": "time_and_materials",
            "rates": [{"role": "*", "rate": "180", "from": "2026-01-01"}],
            "cap": "90000",
            "billed_to_date": "81000",
        },
        {
            "id": "FF",
            "type": "fixed_fee",
            "fee": "120000",
            "milestones": [{"id": "M1", "name": "Discovery", "percent": "30"}],
        },
        {"id": "RET", "type": "retainer", "prepaid": "20000"},
    ],
}


def time_entry(**changes: object) -> TimeEntry:
    fields: dict[str, object] = {
        "id": "T1",
        "contract": "K1",
        "term": "TM",
        "resource": "R1",
        "date": "2026-01-05",
        "hours": "7.50",
    }
    return TimeEntry.model_validate({**fields, **changes})


def test_scenario_contract_parses_into_typed_terms() -> None:
    contract = Contract.model_validate(CONTRACT)

    tm, ff, ret = contract.terms
    assert isinstance(tm, TimeAndMaterialsTerm) and tm.cap == Decimal("90000")
    assert tm.rates[0].valid_from == date(2026, 1, 1)
    assert isinstance(ff, FixedFeeTerm) and ff.milestones[0].percent == Decimal("30")
    assert isinstance(ret, RetainerTerm) and ret.prepaid == Decimal("20000")
    assert contract.term("FF") is ff
    assert contract.intercompany_markup_percent == Decimal("10")


def test_wire_form_uses_from_and_decimal_strings_and_round_trips() -> None:
    contract = Contract.model_validate(CONTRACT)

    wire = json.loads(contract.model_dump_json())

    assert wire["terms"][0]["rates"][0] == {"role": "*", "rate": "180", "from": "2026-01-01"}
    assert wire["terms"][0]["cap"] == "90000"
    assert Contract.model_validate(wire) == contract


def test_decimals_never_print_in_exponent_form() -> None:
    entry = TimeEntry.model_validate(time_entry().model_dump() | {"hours": Decimal("1E+2")})

    assert json.loads(entry.model_dump_json())["hours"] == "100"


@pytest.mark.parametrize("hours", [7.5, "7,5", "1e3", "NaN", "-1", True])
def test_hours_must_be_a_plain_non_negative_decimal(hours: object) -> None:
    with pytest.raises(ValidationError) as error:
        time_entry(hours=hours)

    assert error.value.errors()[0]["loc"] == ("hours",)


def test_unknown_fields_are_rejected_at_every_level() -> None:
    with pytest.raises(ValidationError) as top:
        time_entry(hourz="8")
    bad_term = {**CONTRACT["terms"][0], "discount": "5"}  # type: ignore[dict-item]
    with pytest.raises(ValidationError) as nested:
        Contract.model_validate({**CONTRACT, "terms": [bad_term]})

    assert top.value.errors()[0]["loc"] == ("hourz",)
    assert nested.value.errors()[0]["loc"] == ("terms", 0, "time_and_materials", "discount")


def test_unknown_term_type_is_rejected_with_its_path() -> None:
    with pytest.raises(ValidationError) as error:
        Contract.model_validate({**CONTRACT, "terms": [{"id": "X", "type": "barter"}]})

    assert error.value.errors()[0]["loc"] == ("terms", 0)
    assert "barter" in str(error.value)


def test_models_are_immutable() -> None:
    entry = time_entry()

    with pytest.raises(ValidationError):
        entry.hours = Decimal(9)  # type: ignore[misc]


def test_business_version_orders_by_updated_at_then_version() -> None:
    cest = timezone(timedelta(hours=2))
    early = time_entry(updated_at=datetime(2026, 1, 5, 11, 0, tzinfo=cest))  # 09:00 UTC
    later = time_entry(updated_at=datetime(2026, 1, 5, 10, 0, tzinfo=UTC))
    later_bumped = time_entry(updated_at=datetime(2026, 1, 5, 10, 0, tzinfo=UTC), version=2)
    by_counter = [time_entry(version=v) for v in (2, 10, 9)]

    assert early.business_version() < later.business_version() < later_bumped.business_version()
    ordered = sorted(by_counter, key=lambda entry: entry.business_version())
    assert [entry.version for entry in ordered] == [2, 9, 10]


def test_naive_updated_at_is_refused() -> None:
    with pytest.raises(ValidationError):
        time_entry(updated_at="2026-01-05T10:00:00")


def test_business_keys() -> None:
    assert time_entry().business_key() == "T1"
    milestone = Milestone(contract="K2", term="FF", milestone="M1")
    assert milestone.business_key() == "K2/FF/M1"


def invoice(**changes: object) -> Invoice:
    fields: dict[str, object] = {
        "id": "draft-1",
        "kind": "invoice",
        "type_code": "380",
        "contract": "K1",
        "customer": "C1",
        "entity": "DE01",
        "currency": "EUR",
        "issue_date": "2026-01-31",
        "lines": [
            {
                "kind": "time",
                "term": "TM",
                "description": "senior-consultant",
                "quantity": "10.00",
                "unit_price": "150.00",
                "net": "1500.00",
                "tax_category": "S",
                "tax_rate": "19.00",
                "time_entry_ids": ["T1", "T2"],
            }
        ],
        "net_total": "1500.00",
        "tax_total": "285.00",
        "gross_total": "1785.00",
    }
    return Invoice.model_validate({**fields, **changes})


def test_invoice_key_is_its_number_once_issued() -> None:
    assert invoice().business_key() == "draft-1"
    assert invoice(number="INV-DE01-000001").business_key() == "INV-DE01-000001"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"type_code": "381"}, "does not match kind"),
        ({"net_total": "1400.00", "gross_total": "1685.00"}, "BR-CO-10"),
        ({"gross_total": "1790.00"}, "plus tax_total"),
    ],
)
def test_inconsistent_invoice_is_rejected(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        invoice(**changes)


def test_unbalanced_posting_is_rejected() -> None:
    lines = [{"account": "1200", "debit": "119.00"}, {"account": "4000", "credit": "100.00"}]

    with pytest.raises(ValidationError, match="not balanced"):
        LedgerPosting.model_validate(
            {
                "document_number": "INV-1",
                "entity": "DE01",
                "posting_date": "2026-01-31",
                "currency": "EUR",
                "lines": lines,
            }
        )


def test_overlapping_employment_is_rejected() -> None:
    employment = [
        {"entity": "DE01", "from": "2025-01-01", "to": "2026-03-31"},
        {"entity": "US01", "from": "2026-03-01"},
    ]

    with pytest.raises(ValidationError, match="overlap"):
        Resource.model_validate(
            {"id": "R1", "name": "Ada", "role": "consultant", "employment": employment}
        )


def _all_values(cls: type[CanonicalValue]) -> list[type[CanonicalValue]]:
    return [cls] + [found for sub in cls.__subclasses__() for found in _all_values(sub)]


def test_every_field_that_may_be_empty_is_empty_by_default() -> None:
    # A record's canonical JSON leaves empty fields out (`to_json`), so validating it
    # again must give them back as empty: a field that may be None defaults to None.
    values = _all_values(CanonicalValue)
    optional = {
        (cls.__name__, name): field.default
        for cls in values
        for name, field in cls.model_fields.items()
        if type(None) in get_args(field.annotation)
    }

    assert len(values) > 20 and ("TimeEntry", "description") in optional
    assert {key: default for key, default in optional.items() if default is not None} == {}
