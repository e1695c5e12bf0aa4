"""The Python signal that a business exception blocks a calculation."""

from __future__ import annotations

from accord.domain.exceptions import BusinessException


class BlockedByException(Exception):
    """Raised inside the engine when a business exception stops a document.

    The invoice run catches it, leaves the contract's documents unissued and reports
    `exception`; callers outside the engine only ever see the `BusinessException`.
    """

    def __init__(self, exception: BusinessException) -> None:
        super().__init__(exception.message)
        self.exception = exception
