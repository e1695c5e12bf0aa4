"""The scheduler's tick: pull changes, apply them, and start or resume the flows due.

One tick is idempotent: every flow it starts has a business-key workflow id, so ticking
twice starts nothing twice. Amended contracts are carried to billing and the PSA by an
amendment flow per contract version, started once the contract is active everywhere;
payments are fed back from the list billing keeps of those not yet reported, so a flow
not started before a crash is started after it.

A tick retries nothing: flows waiting on a cause that may pass by itself (a system down,
a record not yet received) are nudged when the hub process's `RetryBackoff` says so
(`waiting_flows`, `nudge`), or all at once by `retry_unavailable`; flows waiting on a
business decision wait for a person's action instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from accord.application.billing import BillingService
from accord.application.exception_service import ExceptionService
from accord.application.inbound_sync import InboundSync
from accord.application.worker import EventWorker
from accord.domain.activation import amendments_to_carry
from accord.domain.exceptions import RETRIED_BY_ITSELF
from accord.flows import payments
from accord.flows.activation import start_activation
from accord.flows.amendment import start_amendment
from accord.flows.amendment import workflow_id as amendment_id
from accord.flows.posting import resume, start_posting
from accord.flows.registry import FlowRegistry


@dataclass
class TickReport:
    pulled: int = 0
    applied: int = 0
    activations: list[str] = field(default_factory=list)
    postings: list[str] = field(default_factory=list)
    amendments: list[str] = field(default_factory=list)
    payments: list[str] = field(default_factory=list)


@dataclass
class Scheduler:
    inbound: InboundSync
    worker: EventWorker | None  # None: worker processes apply the events (scale-out)
    billing: BillingService
    exceptions: ExceptionService
    flows: FlowRegistry
    """The flows' steps, for the documents awaiting posting and the payments due."""
    activated: set[str] = field(default_factory=set)
    amending: set[tuple[str, int]] = field(default_factory=set)
    feeding: set[str] = field(default_factory=set)

    def tick(self, stopping: Callable[[], bool] = lambda: False) -> TickReport:
        """One tick; once `stopping()` says so it ends after the batch in hand (every
        batch commits with its checkpoint, so the next tick simply goes on)."""
        report = TickReport(pulled=self.inbound.pull(stopping).accepted)
        while (
            self.worker is not None
            and not stopping()
            and (processed := self.worker.run_once(stopping=stopping))
        ):
            report.applied += processed
        caught_up = self.billing.catch_up(stopping)
        for problem in caught_up.problems:
            self.exceptions.open(problem)
        if stopping():
            return report
        for contract in self.billing.signed_contracts():
            if contract not in self.activated:
                start_activation(contract)
                self.activated.add(contract)
                report.activations.append(contract)
        for number in self.flows.invoice_run.awaiting_posting():
            start_posting(number)
            report.postings.append(number)
        report.amendments = self.propagate_amendments()
        report.payments = self.feed_back_payments()
        return report

    def feed_back_payments(self) -> list[str]:
        """Start the feedback of every payment billing applied and has not yet seen
        reported to billing and the CRM (the flow clears it from that list)."""
        due = {payments.workflow_id(p.id): p for p in self.flows.payment_feedback.payments_due()}
        self.feeding &= set(due)  # a finished flow's payment is no longer due
        started = []
        for flow, payment in due.items():
            if flow not in self.feeding:
                payments.start_payment_feedback(payment)
                self.feeding.add(flow)
                started.append(flow)
        return started

    def propagate_amendments(self) -> list[str]:
        """Start the propagation of each amendment not yet carried to billing and the
        PSA, once its contract is active everywhere (activation publishes the terms as
        they stand, and a rejected activation is never amended)."""
        due = self.billing.amendments_due()
        if not due:
            return []
        started = []
        for contract, version in amendments_to_carry(due, self.amending, self.billing.is_activated):
            start_amendment(contract, version)
            self.amending.add((contract, version))
            started.append(amendment_id(contract, version))
        return started

    def waiting_flows(self) -> dict[int, str]:
        """Flows parked on a cause that may pass by itself, by the id of the exception
        they wait on: a system that was unavailable, a record not yet received."""
        waiting = {}
        for kind in RETRIED_BY_ITSELF:
            for record in self.exceptions.open_records(kind=kind):
                flow = record.details.get("workflow_id")
                if isinstance(flow, str) and flow:
                    waiting[record.id] = flow
        return waiting

    def budget_spent(self, exception_ids: list[int], retries: int | None) -> None:
        """Say on each exception that its flow stopped retrying on its own: a person acts
        (retry once the system is back, or skip)."""
        note = f"retried {retries} times on its own without success; retry or skip it"
        for exception_id in exception_ids:
            self.exceptions.note(exception_id, "retries_spent", note)

    def nudge(self, flows: list[str]) -> list[str]:
        """Make each of these waiting flows try its step again."""
        for flow in flows:
            resume(flow)
        return flows

    def retry_unavailable(self) -> list[str]:
        """Nudge every flow that waits on a cause that may have passed, at once (the
        simulated clock jumped past a fault window, say)."""
        return self.nudge(list(self.waiting_flows().values()))
