"""What the flows change in other systems, and the exceptions they open and close:
recorded in the audit trail and announced as CloudEvents through the outbox.

`FLOW_EVENTS` is the catalogue of these events; the AsyncAPI document is generated from
it, and `FlowChanges.record` refuses a change that is not catalogued, so no flow can
publish an event the document does not describe. Each change is one audit row (actor
`flow:<workflow id>`, the business key as subject, before and after, the business
transaction's trace id as correlation id) and one outbox message, in one transaction.
Event ids derive from the workflow, the change and the subject, so a retried step
publishes its event once.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from accord.application.audit import AuditTrail
from accord.application.clock import Clock, utc_now
from accord.application.ports import OutboxMessage
from accord.application.unit_of_work import UnitOfWork

FLOW_SOURCE = "/accord/flows"
_EVENT_NAMESPACE = uuid.UUID("0b6c2f4e-8f0a-4f3d-9a1e-5d2c7b9e4a10")


@dataclass(frozen=True, slots=True)
class FlowEvent:
    """One kind of change: `name` is the audit action and, as `accord.<name>.v1`, the
    event type; `after` lists the fields of the after document with their JSON types."""

    name: str
    summary: str
    after: Mapping[str, str]
    before: Mapping[str, str] = field(default_factory=dict)

    @property
    def type(self) -> str:
        return f"accord.{self.name}.v1"


FLOW_EVENTS: tuple[FlowEvent, ...] = (
    FlowEvent(
        "contract.set_up_in_erp",
        "The ERP knows the contract's customer and project.",
        {"customer": "string", "project": "string"},
    ),
    FlowEvent(
        "contract.terms_published",
        "The billing system holds the contract's terms.",
        {"contract": "string", "terms": "integer", "currency": "string"},
    ),
    FlowEvent(
        "contract.provisioned_in_psa",
        "The PSA holds the contract's project, ready for staffing and time.",
        {"project": "string"},
    ),
    FlowEvent(
        "contract.activation_confirmed",
        "The CRM recorded that the contract is active.",
        {"contract": "string"},
    ),
    FlowEvent(
        "contract.compensated",
        "A rejected activation set one system back (the compensation named).",
        {"contract": "string", "compensation": "string", "system": "string"},
    ),
    FlowEvent(
        "contract.withdrawn",
        "A rejected activation is set back everywhere; billing bills nothing more on it.",
        {"contract": "string", "withdrawn_on": "string"},
    ),
    FlowEvent(
        "contract.rates_published_in_psa",
        "The PSA's rate card holds the contract's rates as of the contract version named.",
        {"contract": "string", "version": "integer"},
    ),
    FlowEvent(
        "contract.amendment_published",
        "An amendment (the contract version named) reached both billing and the PSA.",
        {"contract": "string", "version": "integer"},
    ),
    FlowEvent(
        "document.issued",
        "An invoice, credit note or prepayment document was issued.",
        {"contract": "string", "kind": "string", "currency": "string", "total": "string"},
    ),
    FlowEvent(
        "document.recorded_in_billing",
        "The billing system holds the issued document.",
        {"idempotency_key": "string"},
    ),
    FlowEvent(
        "document.posted_to_erp",
        "The ERP accepted the document's posting.",
        {"idempotency_key": "string"},
    ),
    FlowEvent(
        "document.posted",
        "The document is posted: the ERP confirmed it.",
        {"status": "string"},
        {"status": "string"},
    ),
    FlowEvent(
        "document.written_back",
        "The PSA knows which entries the document billed and the CRM its status.",
        {"time_entries": "integer", "status": "string"},
    ),
    FlowEvent(
        "payment.fed_back",
        "A payment the ERP reported was applied to its invoice (`invoice_status` after it)"
        " and recorded by billing and the CRM.",
        {
            "invoice": "string",
            "amount": "string",
            "currency": "string",
            "invoice_status": "string",
        },
    ),
    FlowEvent(
        "exception.opened",
        "A business exception was opened for the team that owns it.",
        {"id": "integer", "kind": "string", "owner": "string", "severity": "string"},
    ),
    FlowEvent(
        "exception.closed",
        "A business exception was resolved or skipped.",
        {"id": "integer", "kind": "string", "status": "string", "note": "string"},
        {"status": "string"},
    ),
)
EVENTS_BY_NAME = {event.name: event for event in FLOW_EVENTS}


def event_data_schema(event: FlowEvent) -> dict[str, Any]:
    """The JSON Schema of an event's `data` (the AsyncAPI document prints it)."""

    def document(fields: Mapping[str, str]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": sorted(fields),
            "properties": {name: {"type": kind} for name, kind in fields.items()},
        }

    before: dict[str, Any] = {"type": "null"}
    if event.before:
        before = {"oneOf": [document(event.before), {"type": "null"}]}
    return {
        "type": "object",
        "required": ["subject", "actor", "after"],
        "properties": {
            "subject": {"type": "string", "description": "the business key changed"},
            "actor": {"type": "string", "description": "flow:<workflow id>, or who acted"},
            "before": before,
            "after": document(event.after),
        },
    }


@dataclass(frozen=True, slots=True)
class ChangeContext:
    """Who is changing things and the correlation id tying the change to its trace."""

    actor: str
    correlation_id: str


def outside_a_flow() -> ChangeContext:
    return ChangeContext("accord:hub", uuid.uuid4().hex)


def change_message(
    name: str,
    subject: str,
    actor: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any],
    at: datetime,
    occurrence: str = "",
) -> OutboxMessage:
    """The CloudEvent announcing a catalogued change; KeyError if it is not catalogued.
    Its id derives from actor, change, subject and `occurrence` (what tells apart two
    changes of one kind to one subject by one actor, e.g. an exception's id)."""
    event = EVENTS_BY_NAME[name]
    seed = f"{actor}\x1f{name}\x1f{subject}\x1f{occurrence}"
    event_id = str(uuid.uuid5(_EVENT_NAMESPACE, seed))
    envelope = {
        "specversion": "1.0",
        "id": event_id,
        "source": FLOW_SOURCE,
        "type": event.type,
        "subject": subject,
        "time": at.isoformat(),
        "datacontenttype": "application/json",
        "data": {"subject": subject, "actor": actor, "before": before, "after": after},
    }
    payload = json.dumps(envelope, separators=(",", ":"), default=str)
    return OutboxMessage(event_id, event.type, FLOW_SOURCE, payload, subject)


class FlowChanges:
    """Records what a flow changed: an audit row and a CloudEvent, in one transaction."""

    def __init__(
        self,
        audit: AuditTrail,
        unit_of_work: Callable[[], UnitOfWork],
        context: Callable[[], ChangeContext] = outside_a_flow,
        clock: Clock = utc_now,
    ) -> None:
        self._audit = audit
        self._unit_of_work = unit_of_work
        self._context = context
        self._clock = clock

    def transaction(self) -> AbstractContextManager[None]:
        """A block whose store changes commit with the changes recorded inside it."""
        return self._audit.transaction()

    def record(
        self,
        name: str,
        subject: str,
        after: Mapping[str, Any],
        before: Mapping[str, Any] | None = None,
        occurrence: str = "",
    ) -> None:
        """Audit and announce one catalogued change (KeyError if it is not catalogued)."""
        context = self._context()
        now = self._clock()
        message = change_message(name, subject, context.actor, before, after, now, occurrence)
        with self._audit.transaction():
            with self._unit_of_work() as uow:
                uow.outbox.add([message], now)
                uow.commit()
            self._audit.record(
                context.actor,
                name,
                subject,
                before=before,
                after=after,
                correlation_id=context.correlation_id,
            )
