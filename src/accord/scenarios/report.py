"""The scenario report (keys sorted JSON) and the `--check` comparison with `expect`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from accord.application.ports import ExceptionRecord
from accord.domain.billing.report import (
    format_amount,
    render_documents,
    render_held,
    render_intercompany,
    render_retainers,
)
from accord.domain.billing.state import BillingState
from accord.domain.revenue.journals import JournalEntry, journals
from accord.domain.revenue.recognition import revenue_schedule
from accord.domain.revenue.report import render_revenue


def billing_sections(state: BillingState) -> dict[str, Any]:
    """Documents and figures as the hub's billing state holds them."""
    revenue = revenue_schedule(state)
    return {
        "documents": render_documents(state),
        "held": render_held(state),
        "intercompany": render_intercompany(state.ledger.intercompany),
        "revenue": render_revenue(revenue),
        "journals": render_journals(journals(state, revenue)),
        "retainers": render_retainers(state),
    }


def render_journals(entries: Sequence[JournalEntry]) -> list[dict[str, Any]]:
    """Each journal entry with its lines by account role (a scenario maps no chart)."""
    return [
        {
            "id": entry.id,
            "kind": entry.kind.value,
            "entity": entry.entity,
            "period": str(entry.period),
            "posting_date": entry.posting_date.isoformat(),
            "currency": entry.currency,
            "lines": [
                {
                    "account": line.role.value,
                    "debit": format_amount(line.debit, entry.currency),
                    "credit": format_amount(line.credit, entry.currency),
                    "dimensions": dict(line.dimensions),
                }
                for line in entry.lines
            ],
        }
        for entry in entries
    ]


def exception_rows(records: Sequence[ExceptionRecord]) -> list[dict[str, Any]]:
    """Open exceptions in the order they were raised."""
    return [
        {
            "kind": r.kind.value,
            "owner": r.owner.value,
            "status": r.status.value,
            "subject": r.subject,
        }
        for r in sorted(records, key=lambda r: r.id)
    ]


def erp_summary(documents: int, gross: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "documents": documents,
        "gross_total_by_currency": {
            currency: format_amount(Decimal(str(amount)), currency)
            for currency, amount in sorted(gross.items())
        },
    }


def differences(expected: Any, actual: Any, path: str = "") -> Iterator[str]:
    """Where `actual` departs from `expected` (objects: only expected keys; lists: same
    length and order, element by element)."""
    if isinstance(expected, Mapping):
        if not isinstance(actual, Mapping):
            yield f"{path or '(report)'}: expected an object, got {actual!r}"
            return
        for key, value in expected.items():
            where = f"{path}.{key}" if path else str(key)
            if key not in actual:
                yield f"{where}: missing from the report (expected {value!r})"
            else:
                yield from differences(value, actual[key], where)
    elif isinstance(expected, list):
        if not isinstance(actual, list):
            yield f"{path}: expected a list, got {actual!r}"
            return
        if len(expected) != len(actual):
            yield f"{path}: expected {len(expected)} item(s), got {len(actual)}: {actual!r}"
        for index, (want, got) in enumerate(zip(expected, actual, strict=False)):
            yield from differences(want, got, f"{path}[{index}]")
    elif _scalar(expected) != _scalar(actual):
        yield f"{path}: expected {expected!r}, got {actual!r}"


def _scalar(value: Any) -> Any:
    # YAML reads an unquoted date or number as a typed value; the report holds strings.
    if isinstance(value, bool) or value is None:
        return value
    return str(value)
