"""Kantata mappings and answers read without any server: pure data in, records out."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from accord.canonical.v1 import ApprovalStatus, Expense, TimeEntry
from accord.connectors.kantata import MAPPINGS
from accord.connectors.kantata.api import describe_errors, objects
from accord.connectors.kantata.mapping import RecordNotMapped, resource_mappings
from accord.connectors.sdk.tabular import MappingFileError

ENTRY = {
    "id": "42",
    "contract": "K1",
    "user_id": 7,
    "date_performed": "2026-01-05",
    "hours": Decimal("1.5"),
    "billable": True,
    "approved": False,
    "updated_at": "2026-01-06T09:00:00+00:00",
}


def test_the_shipped_time_entry_mapping_makes_a_canonical_time_entry() -> None:
    entry = resource_mappings(None)["time_entries"].map_object(ENTRY)

    assert isinstance(entry, TimeEntry)
    assert (entry.id, entry.source_id, entry.resource) == ("kantata-te-42", "42", "7")
    assert (entry.date, entry.hours) == (dt.date(2026, 1, 5), Decimal("1.5"))
    assert entry.status == ApprovalStatus.SUBMITTED


def test_the_shipped_expense_mapping_keeps_the_amount_a_decimal() -> None:
    row = {
        "id": "9",
        "contract": "K1",
        "user_id": "7",
        "date": "2026-01-05",
        "amount": Decimal("123.45"),
        "currency": "EUR",
        "is_billable": True,
        "approved": True,
        "updated_at": "2026-01-06T09:00:00+00:00",
    }

    expense = resource_mappings(None)["expenses"].map_object(row)

    assert isinstance(expense, Expense) and expense.amount == Decimal("123.45")


def test_an_entry_without_a_contract_names_the_object_and_column() -> None:
    with pytest.raises(RecordNotMapped) as raised:
        resource_mappings(None)["time_entries"].map_object({**ENTRY, "contract": None})

    assert "time_entries 42" in str(raised.value) and "contract" in str(raised.value)


def test_a_mapping_of_an_unknown_resource_is_refused(tmp_path: Path) -> None:
    text = (MAPPINGS / "time-entry.yaml").read_text(encoding="utf-8")
    own = tmp_path / "own.yaml"
    own.write_text(text.replace("name: time_entries", "name: timesheets"), encoding="utf-8")

    with pytest.raises(MappingFileError, match=r"table\.name must be one of"):
        resource_mappings(own)


def test_answers_are_read_in_results_order_and_errors_are_quoted() -> None:
    body = {
        "count": 2,
        "results": [{"key": "workspaces", "id": "2"}, {"key": "workspaces", "id": "1"}],
        "workspaces": {"1": {"id": "1"}, "2": {"id": "2"}},
    }

    assert [o["id"] for o in objects(body)] == ["2", "1"]
    assert describe_errors('{"errors": [{"type": "system", "message": "no"}]}') == "no"
