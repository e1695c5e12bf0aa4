"""What every flow's steps share: the outcome of a step, the gateways, and the context
that reads applied records and audits what a step changed."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from accord.application.billing import BillingService
from accord.application.contention import StoreBusy
from accord.application.exception_service import ExceptionService
from accord.application.flow_events import FlowChanges
from accord.application.gateways import (
    BatchPosting,
    BillingGateway,
    CrmGateway,
    ErpGateway,
    PsaGateway,
    is_gateway_failure,
)
from accord.application.ports import AppliedRecords
from accord.canonical import v1
from accord.canonical.base import CanonicalModel
from accord.domain.billing.documents import Document, DocumentStatus
from accord.domain.billing.posting_order import ready_to_post
from accord.domain.exceptions import ExceptionKind

M = TypeVar("M", bound=CanonicalModel)
STORE = "store"
"""The system named on the exception of a step the hub's own store kept refusing."""


@dataclass(frozen=True, slots=True)
class StepOutcome:
    """What one step did: done, or failed with the exception kind it amounts to."""

    done: bool
    kind: str | None = None
    reason: str | None = None
    system: str | None = None

    @classmethod
    def ok(cls) -> StepOutcome:
        return cls(True)

    @classmethod
    def store_busy(cls, error: StoreBusy) -> StepOutcome:
        """A step the hub's own store kept refusing past the step's retry budget: the
        integration team sees the contention, and the flow retries like on an outage."""
        reason = f"store: busy with other work past the step's retries ({error})"
        return cls(False, ExceptionKind.SYSTEM_UNAVAILABLE.value, reason, STORE)


def document_write_key(system: str, operation: str, number: str) -> str:
    """The key a system receives for a document: stable across retries and replays, and
    readable (`accord:<system>:<operation>:<number>`). Not the SDK's hashed
    `idempotency_key`: systems already hold these keys, so their shape never changes."""
    return f"accord:{system}:{operation}:{number}"


def _rejected() -> ExceptionKind:
    return ExceptionKind.POSTING_REJECTED


def attempt(
    system: str, call: Callable[[], object], refusal: Callable[[], ExceptionKind] = _rejected
) -> StepOutcome:
    """Run one gateway call; a failure becomes `system_unavailable` when retryable, else
    what `refusal()` says a refusal of this call amounts to."""
    try:
        call()
    except Exception as error:
        if not is_gateway_failure(error):
            raise
        kind = ExceptionKind.SYSTEM_UNAVAILABLE if error.retryable else refusal()
        return StepOutcome(False, kind.value, f"{system}: {error.reason}", system)
    return StepOutcome.ok()


@dataclass(frozen=True, slots=True)
class Gateways:
    erp: ErpGateway
    billing: BillingGateway
    psa: PsaGateway
    crm: CrmGateway
    erp_batch: BatchPosting | None = None
    """The ERP's `BatchPosting`, when it offers one: concurrent postings share calls."""


@dataclass(frozen=True)
class StepContext:
    """Billing, the exception queue, the gateways and the applied records every flow's
    steps work with, and how a step audits what it changed (`changes`: None records
    nothing, for a use case that changes no other system)."""

    billing: BillingService
    exceptions: ExceptionService
    gateways: Gateways
    records: AppliedRecords
    changes: FlowChanges | None = None

    def changed(
        self,
        outcome: StepOutcome,
        name: str,
        subject: str,
        after: Mapping[str, Any],
        before: Mapping[str, Any] | None = None,
        occurrence: str = "",
    ) -> StepOutcome:
        """Audit and announce what a step changed in another system, once it succeeded
        (see `flow_events.FLOW_EVENTS`; `occurrence` as in `FlowChanges.record`)."""
        if outcome.done and self.changes is not None:
            self.changes.record(name, subject, after, before, occurrence)
        return outcome

    def record(self, model: type[M], key: str) -> M:
        """The applied record `key` of `model`; it must have been applied."""
        stored = self.records.get(model.SCHEMA_NAME, key)
        if stored is None:
            raise KeyError(f"no {model.SCHEMA_NAME} {key!r} has been applied")
        return model.model_validate_json(stored.data)

    def known(self, model: type[M], key: str) -> M | None:
        """The applied record `key` of `model`, or None when none arrived yet."""
        stored = self.records.get(model.SCHEMA_NAME, key)
        return None if stored is None else model.model_validate_json(stored.data)

    def project(self, contract: v1.Contract) -> v1.Project:
        """The project the ERP and the PSA hold for `contract`."""
        customer = self.record(v1.Customer, contract.customer)
        return v1.Project(
            id=contract.id,
            contract=contract.id,
            name=f"{customer.name} {contract.id}",
            customer=contract.customer,
            entity=contract.entity,
            start=contract.start,
            end=contract.end,
        )

    def document(self, number: str) -> Document:
        """The issued document `number`; it must exist."""
        document = self.billing.document(number)
        if document is None:
            raise KeyError(f"no issued document {number}")
        return document

    def ready_to_post(self, contract: str | None) -> list[str]:
        """Issued documents (of `contract`, or of all) not yet confirmed by the ERP whose
        contract is active everywhere (`posting_order`), in issue order."""
        issued = [
            d
            for d in self.billing.documents(DocumentStatus.ISSUED)
            if contract in (None, d.contract)
        ]
        contracts = {d.contract for d in issued}
        activated = {c for c in contracts if self.billing.is_activated(c)}
        return [d.number for d in issued if ready_to_post(d.contract, activated)]
