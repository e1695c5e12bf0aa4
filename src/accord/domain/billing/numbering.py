"""Document numbers: INV-<entity>-<6 digits> (invoices and prepayments share the counter)
and CN-<entity>-<6 digits>, per entity from 000001 in issue order."""

from __future__ import annotations

from accord.domain.billing.documents import DocumentKind


def next_number(
    counters: dict[tuple[str, str], int], entity: str, kind: DocumentKind
) -> tuple[str, dict[tuple[str, str], int]]:
    """The next number for `kind` at `entity`, and the counters after taking it."""
    key = (entity, kind.prefix)
    value = counters.get(key, 0) + 1
    return f"{kind.prefix}-{entity}-{value:06d}", {**counters, key: value}
