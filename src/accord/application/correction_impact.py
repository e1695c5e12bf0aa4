"""What a corrected record would change in billing, computed without writing anything.

The billing engine is a pure function of its state, so the dry run of a correction
runs the next invoice run for the record's contract twice on a copy of that contract's
slice of the book (its rows, the record's wherever held, the firm-wide data):
once as it stands and once with the corrected record applied. The lines and
exceptions only the second run produces are what the correction adds (more hours, a
credit note for fewer, a `closed_period_change` waiting for finance); lines only the
first produces are what it takes away.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from accord.application.billing import apply_record
from accord.canonical.registry import model_for
from accord.domain.billing.report import render_document
from accord.domain.billing.run import InvoiceRunResult, run_invoicing
from accord.domain.billing.state import BillingState

Line = tuple[tuple[str, Any], ...]


@dataclass(frozen=True, slots=True)
class BillingImpact:
    """`added` / `removed`: document lines (with the document's kind and currency);
    `exceptions`: what the run would raise only with the correction; `note`: why no
    impact was computed (a record billing does not bill, or cannot apply yet)."""

    through: date | None = None
    contract: str | None = None
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    note: str | None = None


StateOf = Callable[[str, str], BillingState]
"""The billing state a correction is valued against, for (contract, record id): that
contract's rows and the record's wherever held (`BillingService.contract_state`)."""


def billing_impact(state_of: StateOf, kind: str, payload: str, today: date) -> BillingImpact:
    """The next invoice run's difference with and without the corrected record."""
    data = json.loads(payload).get("data") or {}
    record = model_for(kind, 1).model_validate(data)
    contract = data.get("contract") if isinstance(data.get("contract"), str) else None
    if contract is None:
        return BillingImpact(note=f"a {kind} is not billed by itself")
    worked = getattr(record, "date", None)
    through = max(today, worked) if isinstance(worked, date) else today
    state = state_of(contract, str(data.get("id", "")))
    try:
        before = run_invoicing(state, through, [contract])
        after = run_invoicing(apply_record(state, record), through, [contract])
    except (KeyError, ValueError) as error:
        reason = error.args[0] if error.args else str(error)
        return BillingImpact(through, contract, note=f"billing cannot value it yet: {reason}")
    old, new = Counter(_lines(before)), Counter(_lines(after))
    raised = {f"{e.kind}: {e.message}" for e in after.exceptions}
    raised -= {f"{e.kind}: {e.message}" for e in before.exceptions}
    return BillingImpact(
        through,
        contract,
        added=[dict(line) for line in (new - old).elements()],
        removed=[dict(line) for line in (old - new).elements()],
        exceptions=sorted(raised),
    )


def _lines(result: InvoiceRunResult) -> Iterable[Line]:
    for document in result.documents:
        rendered = render_document(document)
        for line in rendered["lines"]:
            yield (
                ("document", rendered["kind"]),
                ("currency", rendered["currency"]),
                ("description", line["description"]),
                ("quantity", line["quantity"]),
                ("unit_price", line["unit_price"]),
                ("net", line["net"]),
            )
