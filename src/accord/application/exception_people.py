"""The people side of the exception queue: who works an exception, its tags, comments.

Each change is kept in the exception's history (who, when, what) next to the actions
taken on it; the API and CLI also write it to the audit trail.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from accord.application.audited import audited
from accord.application.clock import Clock, utc_now
from accord.application.governance import Governance
from accord.application.ports import ExceptionRecord
from accord.application.unit_of_work import UnitOfWorkFactory

_TAG = re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,49}$")
MAX_PERSON = 200
MAX_COMMENT = 4000


class InvalidChange(ValueError):
    """A person, tag or comment the queue cannot take; the message says what is wrong."""


def valid_person(person: str) -> str:
    person = person.strip()
    if not person or len(person) > MAX_PERSON:
        raise InvalidChange(f"a person is a name of 1 to {MAX_PERSON} characters")
    return person


def valid_tag(tag: str) -> str:
    tag = tag.strip().lower()
    if not _TAG.match(tag):
        raise InvalidChange(
            f"tag {tag!r}: use 1-50 lowercase letters, digits or _ . : - "
            "(starting with a letter or digit)"
        )
    return tag


def valid_comment(text: str) -> str:
    text = text.strip()
    if not text or len(text) > MAX_COMMENT:
        raise InvalidChange(f"a comment is 1 to {MAX_COMMENT} characters of text")
    return text


def comments_of(record: ExceptionRecord) -> list[dict[str, str]]:
    """The comments on an exception, oldest first, from its history."""
    return [
        {"author": str(entry.get("by", "")), "at": str(entry["at"]), "text": str(entry["note"])}
        for entry in record.history
        if entry.get("action") == "comment"
    ]


class ExceptionPeople:
    """Assign, tag and comment on exceptions; every method returns the record after the
    change and raises KeyError for an unknown id, InvalidChange for bad input."""

    def __init__(self, unit_of_work: UnitOfWorkFactory, clock: Clock = utc_now) -> None:
        self._unit_of_work = unit_of_work
        self._clock = clock

    def _read(self, exception_id: int) -> ExceptionRecord:
        with self._unit_of_work() as uow:
            record = uow.exceptions.get(exception_id)
        if record is None:
            raise KeyError(exception_id)
        return record

    def assign(self, exception_id: int, person: str | None, actor: str) -> ExceptionRecord:
        """Assign to `person` (a principal or API key name), or unassign with None."""
        chosen = valid_person(person) if person is not None else None
        entry = {"action": "assigned" if chosen else "unassigned", "by": actor, "to": chosen}
        with self._unit_of_work() as uow:
            uow.exceptions.assign(exception_id, chosen, entry, self._clock())
            uow.commit()
        return self._read(exception_id)

    def tag(
        self, exception_id: int, tag: str, actor: str, *, remove: bool = False
    ) -> ExceptionRecord:
        """Add `tag` (or remove it); adding a tag it has, or removing one it has not,
        changes nothing and records nothing."""
        chosen = valid_tag(tag)
        with self._unit_of_work() as uow:
            record = uow.exceptions.get(exception_id)
            if record is None:
                raise KeyError(exception_id)
            if (chosen in record.tags) != remove:
                return record
            tags = [t for t in record.tags if t != chosen] if remove else [*record.tags, chosen]
            entry = {"action": "untagged" if remove else "tagged", "by": actor, "tag": chosen}
            uow.exceptions.retag(exception_id, tags, entry, self._clock())
            uow.commit()
        return self._read(exception_id)

    def comment(self, exception_id: int, text: str, author: str) -> ExceptionRecord:
        entry = {"action": "comment", "by": author, "note": valid_comment(text)}
        with self._unit_of_work() as uow:
            uow.exceptions.note(exception_id, entry, self._clock())
            uow.commit()
        return self._read(exception_id)


def _state(record: ExceptionRecord) -> dict[str, Any]:
    return {"assignee": record.assignee, "tags": list(record.tags)}


def _after(record: ExceptionRecord) -> dict[str, Any]:
    return {**_state(record), "entry": dict(record.history[-1])}


def change_audited(
    people: ExceptionPeople,
    governance: Governance,
    before: ExceptionRecord,
    action: str,
    change: Callable[[ExceptionPeople], ExceptionRecord],
    actor: str,
    correlation: str,
) -> ExceptionRecord:
    """Make `change` to the exception and audit it as `exception.<action>` in the same
    transaction (the API and the dashboard's forms both call this; the caller checks who
    may). Raises InvalidChange for bad input, KeyError for an unknown exception."""
    return audited(
        governance,
        actor,
        correlation,
        f"exception.{action}",
        lambda: change(people),
        f"exception:{before.id}",
        _after,
        _state(before),
    )
