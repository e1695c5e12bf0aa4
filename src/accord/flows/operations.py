"""The process API's view of the flows: start invoice runs and flows, list their runs.

Runs are DBOS workflows; their ids are business keys (`invoice-run:...`, `activate:K1`,
`post:INV-...`, `payment:...`), so the API lists exactly what the engine recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from accord.application.operations import FlowKind, RunSummary
from accord.flows import activation, dispatch, invoice_run, payments, posting
from accord.flows.activation import activate_contract
from accord.flows.activation import workflow_id as activation_id
from accord.flows.invoice_run import workflow_id as invoice_run_id
from accord.flows.posting import post_document
from accord.flows.posting import workflow_id as posting_id

KINDS = {
    "invoice-run": "invoice_run",
    "activate": "activation",
    "post": "posting",
    "payment": "payment_feedback",
}
PREFIXES = {kind: prefix for prefix, kind in KINDS.items()}
STEPS: Mapping[str, tuple[tuple[Callable[..., Any], ...], str]] = {
    "activation": (
        (
            activation.set_up_in_erp,
            activation.publish_terms,
            activation.provision_in_psa,
            activation.confirm_in_crm,
            activation.issue_prepayment,
            activation.record_activation,
            activation.documents_to_post,
        ),
        "a signed contract (scheduler), or by hand",
    ),
    "invoice_run": (
        (invoice_run.issue_documents, invoice_run.documents_awaiting_posting),
        "the scheduler at month end, or by hand",
    ),
    "posting": (
        (posting.record_in_billing, posting.post_to_erp, posting.mark_posted, posting.write_back),
        "an issued document (invoice run), or by hand",
    ),
    "payment_feedback": (
        (payments.mirror_payment, payments.mark_fed_back),
        "a payment the ERP reports (scheduler)",
    ),
}


def _summary(status: Any) -> RunSummary:
    prefix = str(status.workflow_id).split(":", 1)[0]
    created = datetime.fromtimestamp((status.created_at or 0) / 1000, tz=UTC)
    output = status.output
    return RunSummary(
        id=status.workflow_id,
        kind=KINDS.get(prefix, prefix),
        status=str(status.status).lower(),
        started_at=created,
        requested_by=status.authenticated_user or "accord",
        parameters={"input": repr(status.input)} if status.input is not None else {},
        result={"output": output} if isinstance(output, list | str) else None,
    )


def _run(run_id: str) -> RunSummary | None:
    found = dispatch.current().list_workflows(workflow_ids=[run_id])
    return _summary(found[0]) if found else None


class FlowInvoiceRuns:
    """`InvoiceRuns` on DBOS: one workflow per (scope, through, request)."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock

    def start(self, through: date, contract: str | None, requested_by: str) -> str:
        run_id = invoice_run_id(through, contract, self._clock().isoformat())
        dispatch.current().start(invoice_run.invoice_run, run_id, through.isoformat(), contract)
        return run_id

    def runs(self) -> Sequence[RunSummary]:
        found = dispatch.current().list_workflows(workflow_id_prefix="invoice-run:", sort_desc=True)
        return [_summary(status) for status in found]

    def run(self, run_id: str) -> RunSummary | None:
        return _run(run_id) if run_id.startswith("invoice-run:") else None


class FlowCatalog:
    """`Flows` on DBOS: activation of a contract and posting of a document by hand."""

    STARTERS: Mapping[str, tuple[str, Callable[[str], str], Callable[..., Any]]] = {
        "activation": ("contract", activation_id, activate_contract),
        "posting": ("document", posting_id, post_document),
    }

    def names(self) -> Sequence[str]:
        return sorted(self.STARTERS)

    def start(self, flow: str, parameters: Mapping[str, Any], requested_by: str) -> str:
        field, make_id, workflow = self.STARTERS[flow]
        key = parameters.get(field)
        if not isinstance(key, str) or not key:
            raise ValueError(f"the {flow} flow needs the parameter '{field}'")
        run_id = make_id(key)
        dispatch.current().start(workflow, run_id, key)
        return run_id

    def kinds(self) -> Sequence[FlowKind]:
        return [
            FlowKind(kind, tuple(step.__name__ for step in steps), started_by)
            for kind, (steps, started_by) in STEPS.items()
        ]

    def recent(self, kind: str, limit: int) -> Sequence[RunSummary]:
        prefix = f"{PREFIXES.get(kind, kind)}:"
        found = dispatch.current().list_workflows(
            workflow_id_prefix=prefix, sort_desc=True, limit=limit
        )
        return [_summary(status) for status in found]

    def run(self, run_id: str) -> RunSummary | None:
        return _run(run_id)
