"""Corrections of quarantined events: the diff a dry run shows, who must approve, and
which exceptions a bulk re-drive selects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from accord.application.corrections import RedriveSelection
from accord.application.ports import ExceptionRecord
from accord.domain.corrections import (
    FieldChange,
    FourEyesViolation,
    check_approver,
    field_changes,
    needs_second_approval,
)
from accord.domain.exceptions import ExceptionKind, ExceptionStatus, OwnerRole

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_a_diff_lists_changed_added_and_dropped_fields_by_dotted_path() -> None:
    before = {"hours": "7.5", "contract": "K9", "meta": {"team": "a"}, "note": "x"}
    after = {"hours": "8.0", "contract": "K9", "meta": {"team": "b", "lead": "L"}}

    assert field_changes(before, after) == [
        FieldChange("hours", "7.5", "8.0"),
        FieldChange("meta.lead", None, "L"),
        FieldChange("meta.team", "a", "b"),
        FieldChange("note", "x", None),
    ]


def test_a_new_record_shows_every_field_as_added() -> None:
    assert field_changes(None, {"id": "C1"}) == [FieldChange("id", None, "C1")]


def test_only_records_that_become_money_need_a_second_approver() -> None:
    assert needs_second_approval("time_entry") and needs_second_approval("ledger_posting")
    assert not needs_second_approval("customer") and not needs_second_approval(None)


def test_the_submitter_cannot_approve_their_own_correction() -> None:
    check_approver("key:ada", "key:grace")
    with pytest.raises(FourEyesViolation, match="cannot approve it too"):
        check_approver("key:ada", "key:ada")


def _record(id_: int, kind: ExceptionKind, source: str, created: datetime) -> ExceptionRecord:
    return ExceptionRecord(
        id_, kind, OwnerRole.INTEGRATION, "medium", f"e-{id_}", ExceptionStatus.OPEN,
        "m", {"source": source}, created, created,
    )  # fmt: skip


def test_a_redrive_selects_by_kind_source_and_time_range() -> None:
    unknown = _record(1, ExceptionKind.UNKNOWN_REFERENCE, "psa", T0)
    invalid = _record(2, ExceptionKind.INVALID_EVENT, "crm", T0 + timedelta(hours=2))
    by_window = RedriveSelection(since=T0 + timedelta(hours=1), until=T0 + timedelta(hours=3))

    assert RedriveSelection().matches(unknown) and RedriveSelection().matches(invalid)
    assert RedriveSelection(kind=ExceptionKind.INVALID_EVENT).matches(invalid)
    assert not RedriveSelection(kind=ExceptionKind.INVALID_EVENT).matches(unknown)
    assert not RedriveSelection(source="crm").matches(unknown)
    assert by_window.matches(invalid) and not by_window.matches(unknown)
    assert RedriveSelection(ids=(2,)).matches(invalid) and not RedriveSelection(ids=(2,)).matches(
        unknown
    )
