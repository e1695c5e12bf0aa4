"""BACKWARD_TRANSITIVE check: each breaking change is named with its field and reason."""

from __future__ import annotations

import json
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

import pytest
from pydantic import Field, create_model

from accord.canonical.base import CanonicalModel, CanonicalValue, DecimalStr
from accord.canonical.compatibility import compare_schemas
from accord.canonical.jsonschema import (
    Incompatibility,
    check_compatibility,
    export_schemas,
    schema_of,
)


class Status(StrEnum):
    OPEN = "open"
    PAID = "paid"
    VOID = "void"


class NarrowStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"


class Line(CanonicalValue):
    amount: DecimalStr
    note: str | None = None


class Flat(CanonicalValue):
    type: Literal["flat"]
    fee: DecimalStr


class Hourly(CanonicalValue):
    type: Literal["hourly"]
    rate: DecimalStr


BEFORE_FIELDS: dict[str, Any] = {
    "id": (str, ...),
    "hours": (DecimalStr, ...),
    "status": (Status, Status.OPEN),
    "memo": (str | None, None),
    "lines": (list[Line], []),
    "term": (Annotated[Flat | Hourly, Field(discriminator="type")], ...),
}


def bill_model(fields: dict[str, Any]) -> type[CanonicalModel]:
    model: type[CanonicalModel] = create_model("Bill", __base__=CanonicalModel, **fields)
    model.SCHEMA_NAME = "bill"
    return model


Before = bill_model(BEFORE_FIELDS)


def evolve(**changes: Any) -> type[CanonicalModel]:
    """The `Before` model with fields redefined as (type, default) or dropped (None)."""
    fields = {**BEFORE_FIELDS, **changes}
    return bill_model({name: spec for name, spec in fields.items() if spec is not None})


def findings(after: type[CanonicalModel]) -> list[tuple[str, str]]:
    return compare_schemas(schema_of(Before), schema_of(after))


def test_unchanged_schema_is_compatible() -> None:
    assert findings(evolve()) == []


def test_added_optional_field_is_accepted() -> None:
    assert findings(evolve(currency=(str | None, None), billable=(bool, True))) == []


def test_widened_types_are_accepted() -> None:
    assert findings(evolve(hours=(DecimalStr | None, None), status=(str, "open"))) == []


def test_added_required_field_is_reported() -> None:
    assert findings(evolve(currency=(str, ...))) == [
        ("currency", "new required field without a default")
    ]


def test_optional_field_becoming_required_is_reported() -> None:
    assert findings(evolve(memo=(str, ...))) == [
        ("memo", "type null is no longer accepted (now type string)"),
        ("memo", "optional field became required"),
    ]


def test_removed_field_is_reported() -> None:
    assert findings(evolve(memo=None)) == [
        ("memo", "field removed, and additional properties are closed")
    ]


def test_type_change_is_reported() -> None:
    (path, reason), *rest = findings(evolve(hours=(int, ...)))

    assert (path, rest) == ("hours", [])
    assert "type string is no longer accepted" in reason


def test_constraining_a_field_that_took_any_value_is_reported() -> None:
    loose = {"type": "object", "properties": {"extra": {}}, "additionalProperties": False}
    strict = {**loose, "properties": {"extra": {"type": "string"}}}

    assert compare_schemas(loose, strict) == [
        ("extra", "any value was accepted, now only type string")
    ]
    assert compare_schemas(strict, loose) == []


def test_nullable_field_made_non_null_is_reported() -> None:
    assert findings(evolve(memo=(str, ""))) == [
        ("memo", "type null is no longer accepted (now type string)")
    ]


def test_enum_narrowing_is_reported() -> None:
    assert findings(evolve(status=(NarrowStatus, NarrowStatus.OPEN))) == [
        ("status", "allowed values removed: ['void']")
    ]


def test_tighter_constraints_are_reported() -> None:
    tighter = evolve(id=(Annotated[str, Field(max_length=10, pattern=r"^B")], ...))

    assert findings(tighter) == [
        ("id", "pattern changed from 'none' to '^B'"),
        ("id", "maxLength lowered from None to 10"),
    ]


def test_change_inside_list_items_names_the_nested_path() -> None:
    class NarrowLine(CanonicalValue):
        amount: int

    (path, reason), *_ = findings(evolve(lines=(list[NarrowLine], [])))

    assert path == "lines[].amount"
    assert "no longer accepted" in reason


def test_union_variant_removed_or_changed_is_reported() -> None:
    class StricterHourly(CanonicalValue):
        type: Literal["hourly"]
        rate: DecimalStr
        currency: str

    assert findings(evolve(term=(Flat, ...))) == [("term", "variant type='hourly' was removed")]
    changed = Annotated[Flat | StricterHourly, Field(discriminator="type")]
    assert findings(evolve(term=(changed, ...))) == [
        ("term[type=hourly].currency", "new required field without a default")
    ]


def committed(tmp_path: Path, name: str, edit: Any) -> Path:
    """Export the code's schemas, then make the committed `name` v1 differ by `edit`."""
    export_schemas(tmp_path)
    path = tmp_path / name / "v1.json"
    schema = json.loads(path.read_text())
    edit(schema)
    path.write_text(json.dumps(schema))
    return tmp_path


def test_freshly_exported_schemas_are_compatible(tmp_path: Path) -> None:
    export_schemas(tmp_path)

    assert check_compatibility(tmp_path) == []


def test_code_dropping_a_committed_field_fails_the_check(tmp_path: Path) -> None:
    def had_overtime(schema: dict[str, Any]) -> None:
        schema["properties"]["overtime"] = {"type": "boolean"}

    problems = check_compatibility(committed(tmp_path, "time_entry", had_overtime))

    assert problems == [
        Incompatibility(
            "time_entry", 1, "overtime", "field removed, and additional properties are closed"
        )
    ]


def test_code_requiring_a_field_the_committed_version_lacked_fails(tmp_path: Path) -> None:
    def lacked_resource(schema: dict[str, Any]) -> None:
        del schema["properties"]["resource"]
        schema["required"].remove("resource")

    problems = check_compatibility(committed(tmp_path, "time_entry", lacked_resource))

    assert problems == [
        Incompatibility("time_entry", 1, "resource", "new required field without a default")
    ]


def test_enum_narrowed_in_nested_definition_fails_with_path(tmp_path: Path) -> None:
    def had_proforma(schema: dict[str, Any]) -> None:
        schema["$defs"]["TaxCategory"]["enum"].append("X")

    problems = check_compatibility(committed(tmp_path, "invoice", had_proforma))

    assert problems == [
        Incompatibility("invoice", 1, "lines[].tax_category", "allowed values removed: ['X']")
    ]


def test_a_removed_or_newer_committed_schema_is_reported(tmp_path: Path) -> None:
    export_schemas(tmp_path)
    (tmp_path / "timesheet").mkdir()
    (tmp_path / "timesheet" / "v1.json").write_text("{}")
    (tmp_path / "time_entry" / "v2.json").write_text("{}")

    problems = {(p.schema, p.version) for p in check_compatibility(tmp_path)}

    assert problems == {("timesheet", 1), ("time_entry", 2)}


@pytest.mark.parametrize("amount", [Decimal("1")])
def test_incompatibility_reads_as_a_sentence(amount: Decimal) -> None:
    problem = Incompatibility("invoice", 1, "lines[].net", f"type changed by {amount}")

    assert str(problem) == "invoice v1 lines[].net: type changed by 1"
