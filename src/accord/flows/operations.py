"""The process API's view of the flows: start invoice runs and flows, list their runs.

Runs are DBOS workflows; their ids are business keys (`invoice-run:...`, `activate:K1`,
`post:INV-...`, `payment:...`), so the API lists exactly what the engine recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from accord.application.operations import RunSummary
from accord.flows import dispatch
from accord.flows.activation import activate_contract
from accord.flows.activation import workflow_id as activation_id
from accord.flows.invoice_run import invoice_run
from accord.flows.invoice_run import workflow_id as invoice_run_id
from accord.flows.posting import post_document
from accord.flows.posting import workflow_id as posting_id

KINDS = {
    "invoice-run": "invoice_run",
    "activate": "activation",
    "post": "posting",
    "payment": "payment_feedback",
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
        dispatch.current().start(invoice_run, run_id, through.isoformat(), contract)
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

    def run(self, run_id: str) -> RunSummary | None:
        return _run(run_id)
