"""The scheduler's tick: pull changes, apply them, and start or resume the flows due.

One tick is idempotent: every flow it starts has a business-key workflow id, so ticking
twice starts nothing twice. Amended contracts are carried to billing and the PSA by an
amendment flow per contract version, started once the contract is active everywhere.
Waiting flows blocked by an unavailable system are nudged to retry; flows waiting on a
business decision wait for a person's action instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from accord.application.billing import BillingService
from accord.application.contract_to_cash import ContractToCash
from accord.application.inbound_sync import InboundSync
from accord.application.worker import EventWorker
from accord.domain.exceptions import ExceptionKind
from accord.flows.activation import start_activation
from accord.flows.amendment import start_amendment
from accord.flows.amendment import workflow_id as amendment_id
from accord.flows.payments import start_payment_feedback
from accord.flows.posting import resume, start_posting


@dataclass
class TickReport:
    pulled: int = 0
    applied: int = 0
    activations: list[str] = field(default_factory=list)
    postings: list[str] = field(default_factory=list)
    amendments: list[str] = field(default_factory=list)
    resumed: list[str] = field(default_factory=list)


@dataclass
class Scheduler:
    inbound: InboundSync
    worker: EventWorker | None  # None: worker processes apply the events (scale-out)
    billing: BillingService
    contract_to_cash: ContractToCash
    activated: set[str] = field(default_factory=set)
    amending: set[str] = field(default_factory=set)

    def tick(self) -> TickReport:
        report = TickReport(pulled=self.inbound.pull().accepted)
        while self.worker is not None and (processed := self.worker.run_once()):
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
        report.amendments = self.propagate_amendments()
        report.resumed = self.retry_unavailable()
        return report

    def propagate_amendments(self) -> list[str]:
        """Start the propagation of each amendment not yet carried to billing and the
        PSA, once its contract is active everywhere (activation publishes the terms as
        they stand, and a rejected activation is never amended)."""
        started = []
        for contract, version in self.contract_to_cash.amendments_due().items():
            flow = amendment_id(contract, version)
            if flow not in self.amending and self.contract_to_cash.is_activated(contract):
                start_amendment(contract, version)
                self.amending.add(flow)
                started.append(flow)
        return started

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
