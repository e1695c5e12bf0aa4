"""The scheduler's tick: pull changes, apply them, and start or resume the flows due.

One tick is idempotent: every flow it starts has a business-key workflow id, so ticking
twice starts nothing twice. Waiting flows blocked by an unavailable system are nudged to
retry; flows waiting on a business decision wait for a person's action instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from accord.application.billing import BillingService
from accord.application.contract_to_cash import ContractToCash
from accord.application.inbound_sync import InboundSync
from accord.application.worker import EventWorker
from accord.domain.exceptions import ExceptionKind
from accord.flows.activation import start_activation
from accord.flows.payments import start_payment_feedback
from accord.flows.posting import resume, start_posting


@dataclass
class TickReport:
    pulled: int = 0
    applied: int = 0
    activations: list[str] = field(default_factory=list)
    postings: list[str] = field(default_factory=list)
    resumed: list[str] = field(default_factory=list)


@dataclass
class Scheduler:
    inbound: InboundSync
    worker: EventWorker
    billing: BillingService
    contract_to_cash: ContractToCash
    activated: set[str] = field(default_factory=set)

    def tick(self) -> TickReport:
        report = TickReport(pulled=self.inbound.pull().accepted)
        while processed := self.worker.run_once():
            report.applied += processed
        caught_up = self.billing.catch_up()
        for problem in caught_up.problems:
            self.contract_to_cash.exceptions.open(problem)
        for payment in caught_up.payments:
            start_payment_feedback(payment)
        for contract in self.billing.state().signed:
            if contract not in self.activated:
                start_activation(contract)
                self.activated.add(contract)
                report.activations.append(contract)
        for number in self.contract_to_cash.awaiting_posting():
            start_posting(number)
            report.postings.append(number)
        report.resumed = self.retry_unavailable()
        return report

    def retry_unavailable(self) -> list[str]:
        """Nudge every flow that waits on an unavailable system to try again."""
        resumed = []
        records = self.contract_to_cash.exceptions.open_records(
            kind=ExceptionKind.SYSTEM_UNAVAILABLE
        )
        for record in records:
            flow = record.details.get("workflow_id")
            if isinstance(flow, str) and flow:
                resume(flow)
                resumed.append(flow)
        return resumed
