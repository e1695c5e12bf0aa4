"""The Python signal that a business exception blocks a calculation."""

from __future__ import annotations

from accord.domain.exceptions import BusinessException, ExceptionKind


class BlockedByException(Exception):
    """Raised inside the engine when a business exception stops a document.

    The invoice run catches it, leaves the contract's documents unissued and reports
    `exception`; callers outside the engine only ever see the `BusinessException`.
    """

    def __init__(self, exception: BusinessException) -> None:
        super().__init__(exception.message)
        self.exception = exception


class UnknownReference(ValueError):
    """An event names something billing does not know (a time entry never approved).

    A `ValueError`, never a `KeyError`: the caller reports `exception` (kind
    `unknown_reference`) and carries on with the events behind it.
    """

    def __init__(self, subject: str, message: str) -> None:
        super().__init__(message)
        self.exception = BusinessException(ExceptionKind.UNKNOWN_REFERENCE, subject, message)
