"""The flow engine as the hub starts it: every flow registered with DBOS, handed its
steps, then launched.

DBOS recovers only the workflows registered before it launches, so `launch` is reached
through this module, which imports each flow. The flows import `runtime`, never this
module, so the runtime and the flows form no cycle.
"""

from __future__ import annotations

from types import ModuleType
from typing import TypeVar

from accord.flows import activation, amendment, invoice_run, payments, posting, runtime
from accord.flows.registry import FlowRegistry

T = TypeVar("T")
FLOWS: tuple[ModuleType, ...] = (activation, amendment, invoice_run, payments, posting)
"""Every flow module; importing one registers its workflows and steps with DBOS."""


def launch(
    system_database_url: str,
    registry: FlowRegistry,
    settings: runtime.FlowSettings | None = None,
    executor_id: str | None = None,
    admission: runtime.StepAdmission | None = None,
) -> None:
    """Hand each flow its steps from `registry`, then start DBOS for this process and
    recover the flows it left unfinished (see `runtime.start`). The steps are handed
    first: DBOS resumes recovered flows as soon as it starts."""
    chosen = settings or runtime.FlowSettings()

    def steps(use_cases: T) -> T:
        return runtime.as_steps(use_cases, admission, chosen.busy_budget)

    activation.steps.hand(steps(registry.activation))
    amendment.steps.hand(steps(registry.amendment))
    invoice_run.steps.hand(steps(registry.invoice_run))
    payments.steps.hand(steps(registry.payment_feedback))
    posting.steps.hand(steps(registry.posting))
    posting.failures.hand(steps(registry.failures))
    posting.einvoicing.hand(registry.einvoicing)
    runtime.start(system_database_url, chosen, executor_id, admission)
