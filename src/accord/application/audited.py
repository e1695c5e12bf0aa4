"""Changes a person makes through the API or the dashboard, together with their audit
record: both are kept, or neither."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from accord.application.governance import Governance

T = TypeVar("T")


def audited(
    governance: Governance,
    actor: str,
    correlation: str,
    action: str,
    work: Callable[[], T],
    subject: str,
    after: Callable[[T], dict[str, Any]],
    before: Mapping[str, Any] | None = None,
) -> T:
    """Do `work` and record `action` on `subject` with its result in the same transaction,
    so an audited change never lands without its record (nor the record without it)."""
    audit = governance.audit
    with audit.transaction():
        done = work()
        audit.record(
            actor,
            action,
            subject,
            before=before,
            after=after(done),
            correlation_id=correlation,
        )
    return done
