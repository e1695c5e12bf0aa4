"""The flow engine as the hub starts it: every flow registered with DBOS, then launched.

DBOS recovers only the workflows registered before it launches, so `launch` is reached
through this module, which imports each flow. The flows import `runtime`, never this
module, so the runtime and the flows form no cycle.
"""

from __future__ import annotations

from types import ModuleType

from accord.flows import activation, amendment, invoice_run, payments, posting, runtime

FLOWS: tuple[ModuleType, ...] = (activation, amendment, invoice_run, payments, posting)
"""Every flow module; importing one registers its workflows and steps with DBOS."""


def launch(
    system_database_url: str,
    flow_services: runtime.FlowServices,
    executor_id: str | None = None,
    admission: runtime.StepAdmission | None = None,
) -> None:
    """Start DBOS for this process with every flow registered and recover the flows it
    left unfinished (see `runtime.start`)."""
    runtime.start(system_database_url, flow_services, executor_id, admission)
