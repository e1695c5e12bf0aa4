"""Changes the API makes together with their audit record: both are kept, or neither."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from fastapi import Request

from accord.api.correlation import correlation_of
from accord.api.security.auth import governance_of
from accord.application.security import Principal

T = TypeVar("T")


def audited(
    request: Request,
    principal: Principal,
    action: str,
    work: Callable[[], T],
    subject: str,
    after: Callable[[T], dict[str, Any]],
    before: Mapping[str, Any] | None = None,
) -> T:
    """Do `work` and record `action` on `subject` with its result in the same transaction,
    so an audited change never lands without its record (nor the record without it)."""
    audit = governance_of(request).audit
    with audit.transaction():
        done = work()
        audit.record(
            principal.actor,
            action,
            subject,
            before=before,
            after=after(done),
            correlation_id=correlation_of(request),
        )
    return done
