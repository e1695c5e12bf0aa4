"""The hub and its services: `build_hub(settings)` returns a Hub, `build_services` wires
the contract-to-cash services to it and to the connectors the landscape names.

Embedded default: SQLite (WAL) under ACCORD_HOME and in-process subscribers. With
ACCORD_DATABASE_URL the store is PostgreSQL or MariaDB; with ACCORD_NATS_URL the outbox
relay publishes to NATS JetStream.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, cast

from sqlalchemy.engine import Engine

from accord.adapters.billing_documents import SqlAlchemyHubDocuments
from accord.adapters.billing_store import (
    SqlAlchemyAppliedRecords,
    SqlAlchemyBillingStateStore,
    SqlAlchemyCursorStore,
)
from accord.adapters.einvoice.cii import CiiRenderer
from accord.adapters.einvoice.saxon import SaxonEN16931Validator
from accord.adapters.einvoice.ubl import UblRenderer
from accord.adapters.einvoice.validations import SqlAlchemyEInvoiceValidations
from accord.adapters.governance import audit_anchoring, build_sql_governance
from accord.adapters.queries import SqlAlchemyEventLogQueries
from accord.adapters.reconciliation_duckdb import DuckDbReconciliationEngine
from accord.adapters.reconciliation_runs import SqlAlchemyReconciliationRuns
from accord.adapters.store import BUSY_TIMEOUT_SECONDS, create_store_engine, migrate
from accord.adapters.unit_of_work import SqlAlchemyUnitOfWork
from accord.application.billing import BillingService, FinanceSettings
from accord.application.bus import InProcessBus
from accord.application.clock import Clock, utc_now
from accord.application.corrections import CorrectionService
from accord.application.einvoicing import EInvoicing
from accord.application.exception_actions import ExceptionActionService, Resume
from accord.application.exception_service import ExceptionService
from accord.application.flow_events import FlowChanges
from accord.application.gateways import (
    BATCH_POSTING_PORT,
    JOURNAL_PORT,
    LISTING_PORTS,
    PORT_FOR_SYSTEM,
    BatchPosting,
    JournalPosting,
)
from accord.application.governance import Governance, GovernanceSettings
from accord.application.inbound_sync import InboundSync, SourceStream, pulled_event
from accord.application.ingest import IngestService
from accord.application.journal_posting import JournalPoster
from accord.application.journals import LedgerJournals
from accord.application.outbox_relay import OutboxRelay
from accord.application.periods import AccountingPeriods
from accord.application.ports import EventLogStatus, ExceptionRecord, Publisher
from accord.application.reconciliation import ReconciliationService, ReconciliationSources
from accord.application.reconciliation_jobs import ReconciliationJobs
from accord.application.steps.context import Gateways, StepContext
from accord.application.unit_of_work import UnitOfWork
from accord.application.worker import EventWorker
from accord.bootstrap.flow_steps import flow_registry
from accord.connectors.sdk.connector import Connector
from accord.domain.contracts.model import FxQuote, TaxCategory, TaxRule
from accord.domain.criticality import Criticality
from accord.domain.exceptions import ExceptionKind, ExceptionStatus, OwnerRole
from accord.domain.revenue.journals import AccountRole
from accord.firm_config import FirmConfig
from accord.flows.change_context import current_change_context
from accord.flows.posting import resume
from accord.flows.registry import FlowRegistry
from accord.settings import Settings


@dataclass(frozen=True)
class Hub:
    """The running event log: ingest, worker, outbox relay and their read models.

    Immutable: what `build_hub` wired stays wired. The process services the HTTP layer
    calls (flows, reports, journals...) are not the hub's; `process.process_ports` builds
    them for the app factory."""

    engine: Engine
    ingest: IngestService
    worker: EventWorker
    relay: OutboxRelay
    publisher: Publisher
    governance: Governance
    billing: BillingService
    """Billing on this store: the state the engine runs on, caught up from the event log."""
    bus: InProcessBus | None = None
    corrections: CorrectionService | None = None
    periods: AccountingPeriods | None = None
    criticality: Criticality = field(default_factory=Criticality.default)
    """The firm's criticality classes per flow (its landscape file's, else the defaults)."""

    def unit_of_work(self) -> UnitOfWork:
        return SqlAlchemyUnitOfWork(self.engine, criticality=self.criticality)

    def reading(self) -> UnitOfWork:
        """A unit of work that only reads: it never waits for the store's write lock."""
        return SqlAlchemyUnitOfWork(self.engine, read_only=True)

    def status(self) -> EventLogStatus:
        """Counts by status, backlog, oldest pending, outbox lag and open exceptions."""
        return SqlAlchemyEventLogQueries(self.engine).status()

    def exceptions(
        self,
        owner: OwnerRole | None = None,
        kind: ExceptionKind | None = None,
        status: ExceptionStatus | None = None,
    ) -> builtins.list[ExceptionRecord]:
        with self.reading() as uow:
            return uow.exceptions.list(owner=owner, kind=kind, status=status)

    def close(self) -> None:
        self.publisher.close()
        self.engine.dispose()


def build_hub(
    settings: Settings,
    *,
    worker_batch_size: int = 2000,
    worker_name: str = "event-worker",
    nats_namespace: str = "",
    clock: Clock = utc_now,
    criticality: Criticality | None = None,
    store_busy_timeout: float = BUSY_TIMEOUT_SECONDS,
) -> Hub:
    """Create (and migrate) the store and wire the event-log services to it.

    Several hubs may share one PostgreSQL store; give each its own `worker_name` so
    `accord status` shows one checkpoint per worker. `criticality` (default: the
    default classes) sets the SLA every exception is stored with; `store_busy_timeout`
    is how long a SQLite writer waits for another's lock before the store is busy."""
    engine = create_store_engine(settings.database_url, busy_timeout=store_busy_timeout)
    migrate(engine)
    criticality = criticality or Criticality.default()
    unit_of_work = partial(SqlAlchemyUnitOfWork, engine, criticality=criticality)
    bus: InProcessBus | None = None
    publisher: Publisher
    if settings.nats_url:
        from accord.adapters.publishers import NatsJetStreamPublisher

        publisher = NatsJetStreamPublisher(settings.nats_url, namespace=nats_namespace)
    else:
        bus = InProcessBus()
        publisher = bus
    # Governance runs on the wall clock; `clock` is the business clock (simulated under
    # the sandbox) and must never reach it.
    governance = build_sql_governance(
        engine, GovernanceSettings.from_env(), anchoring=audit_anchoring(settings)
    )
    # What ingest and the worker find wrong is audited and announced like any exception.
    changes = FlowChanges(governance.audit, unit_of_work, current_change_context, clock)
    reading = partial(SqlAlchemyUnitOfWork, engine, read_only=True)
    raised = ExceptionService(unit_of_work, clock, changes, reading)
    ingest = IngestService(unit_of_work, clock=clock, exceptions=raised)
    billing = BillingService(
        SqlAlchemyBillingStateStore(engine),
        SqlAlchemyAppliedRecords(engine),
        clock=clock,
        transaction=changes.transaction,
    )
    return Hub(
        engine=engine,
        ingest=ingest,
        worker=EventWorker(
            unit_of_work,
            name=worker_name,
            batch_size=worker_batch_size,
            clock=clock,
            exceptions=raised,
        ),
        relay=OutboxRelay(unit_of_work, publisher),
        publisher=publisher,
        governance=governance,
        billing=billing,
        bus=bus,
        corrections=CorrectionService(
            unit_of_work, ingest.parse, clock, raised, billing_state=billing.contract_state
        ),
        periods=AccountingPeriods(billing),
        criticality=criticality,
    )


@dataclass(frozen=True)
class Services:
    """The contract-to-cash services wired to a hub and a set of connectors (immutable:
    what bootstrap wired stays wired)."""

    billing: BillingService
    exceptions: ExceptionService
    steps: StepContext
    """What every flow's steps share: billing, exceptions, gateways, applied records."""
    inbound: InboundSync
    reconciliation: ReconciliationService
    reconciliation_jobs: ReconciliationJobs
    """Reconciliation as stored jobs: what the scheduler runs and the reports read."""
    exception_actions: ExceptionActionService
    connectors: Mapping[str, Connector]
    einvoicing: EInvoicing
    """EN 16931 e-invoices of issued documents: rendered, validated, results kept."""
    flows: FlowRegistry
    """Each durable flow's steps, handed to it when the flows launch."""


def _port(connectors: Mapping[str, Connector], system: str) -> Any:
    port = PORT_FOR_SYSTEM[system]
    for connector in connectors.values():
        if connector.system == system and port in connector.ports():
            return connector.ports()[port]
    raise LookupError(f"no connector provides {port} for {system}; configure one")


def journal_port(connectors: Mapping[str, Connector]) -> JournalPosting | None:
    """Where journal entries go: the ERP connector's `JournalPosting` when it offers one,
    else that of the first other connector playing the erp system that offers one (a
    landscape source such as a journal file drop or a legacy journal table, in the order
    the landscape file lists them); None when nothing takes journal entries."""
    erp = [connector for connector in connectors.values() if connector.system == "erp"]
    gateways = [c for c in erp if PORT_FOR_SYSTEM["erp"] in c.ports()]
    for connector in gateways[:1] + [c for c in erp if c not in gateways]:
        if JOURNAL_PORT in connector.ports():
            return cast("JournalPosting", connector.ports()[JOURNAL_PORT])
    return None


def batch_port(connectors: Mapping[str, Connector]) -> BatchPosting | None:
    """The ERP gateway's connector's `BatchPosting`, when it offers one."""
    port = PORT_FOR_SYSTEM["erp"]
    for connector in connectors.values():
        if connector.system == "erp" and port in connector.ports():
            offered = connector.ports().get(BATCH_POSTING_PORT)
            return cast("BatchPosting | None", offered)
    return None


def _listings(connectors: Mapping[str, Connector], port: str) -> dict[str, Any]:
    """A listing port (e.g. `ProjectListing`) by system role, from the first connector of
    each role that offers it (as `_port` picks the gateways)."""
    listings: dict[str, Any] = {}
    for connector in connectors.values():
        if port in connector.ports():
            listings.setdefault(connector.system, connector.ports()[port])
    return listings


def reconciliation_sources(connectors: Mapping[str, Connector]) -> ReconciliationSources:
    """What reconciliation reads: the ERP, billing, PSA and CLM gateways, and the contract,
    project and payment listings of every connector that offers them (a system without
    one is reported not compared)."""
    contracts, projects, payments = (_listings(connectors, port) for port in LISTING_PORTS)
    return ReconciliationSources(
        erp=_port(connectors, "erp"),
        billing=_port(connectors, "billing"),
        psa=_port(connectors, "psa"),
        clm=_port(connectors, "clm"),
        contracts=contracts,
        projects=projects,
        payments=payments,
    )


def build_services(hub: Hub, connectors: Mapping[str, Connector], clock: Clock) -> Services:
    """Wire billing, the exception queue, contract-to-cash, inbound sync and
    reconciliation to a hub and its connectors."""
    changes = FlowChanges(hub.governance.audit, hub.unit_of_work, current_change_context, clock)
    billing = BillingService(
        SqlAlchemyBillingStateStore(hub.engine),
        SqlAlchemyAppliedRecords(hub.engine),
        clock=clock,
        transaction=changes.transaction,
    )
    exceptions = ExceptionService(hub.unit_of_work, clock, changes, hub.reading)
    gateways = Gateways(
        erp=_port(connectors, "erp"),
        billing=_port(connectors, "billing"),
        psa=_port(connectors, "psa"),
        crm=_port(connectors, "crm"),
        erp_batch=batch_port(connectors),
    )
    reconciliation = ReconciliationService(
        reconciliation_sources(connectors),
        billing.state,
        exceptions,
        clock,
        fast_engine=DuckDbReconciliationEngine(),
        stored_documents=SqlAlchemyHubDocuments(hub.engine),
        book=billing,
    )
    streams = [
        SourceStream(name, stream)
        for name, connector in connectors.items()
        for stream in connector.streams()
    ]
    steps = StepContext(
        billing, exceptions, gateways, SqlAlchemyAppliedRecords(hub.engine), changes
    )
    einvoicing = build_einvoicing(hub.engine, billing, clock)
    return Services(
        billing=billing,
        exceptions=exceptions,
        steps=steps,
        inbound=build_inbound(hub, streams),
        reconciliation=reconciliation,
        reconciliation_jobs=ReconciliationJobs(
            SqlAlchemyReconciliationRuns(hub.engine), reconciliation, clock
        ),
        exception_actions=ExceptionActionService(exceptions, billing, resume),
        connectors=connectors,
        einvoicing=einvoicing,
        flows=flow_registry(steps, einvoicing),
    )


def build_inbound(hub: Hub, streams: Sequence[SourceStream]) -> InboundSync:
    """Pulls `streams` into the hub's event log, each from the cursor the hub stored."""
    return InboundSync(streams, SqlAlchemyCursorStore(hub.engine), hub.ingest)


def offline_exception_actions(hub: Hub, resume: Resume) -> ExceptionActionService:
    """Exception actions outside a running hub (a shell): they touch the store only, and
    `resume` says what happens to an action that would wake a flow."""
    billing = BillingService(
        SqlAlchemyBillingStateStore(hub.engine), SqlAlchemyAppliedRecords(hub.engine)
    )
    return ExceptionActionService(ExceptionService(hub.unit_of_work, utc_now), billing, resume)


def offline_journal_poster(
    hub: Hub, connectors: Mapping[str, Connector], accounts: Mapping[AccountRole, str]
) -> JournalPoster:
    """Journal posting outside a running hub (a shell): the hub's billing book and
    exception queue, the landscape's ERP connector."""
    billing = BillingService(
        SqlAlchemyBillingStateStore(hub.engine), SqlAlchemyAppliedRecords(hub.engine)
    )
    journals = LedgerJournals(billing, accounts, hub.governance.records)
    exceptions = ExceptionService(hub.unit_of_work, utc_now, reading=hub.reading)
    return JournalPoster(journals, billing, journal_port(connectors), exceptions)


def build_einvoicing(engine: Engine, billing: BillingService, clock: Clock) -> EInvoicing:
    """E-invoices in UBL and CII, validated with the CEN rules through SaxonC-HE."""
    return EInvoicing(
        billing,
        (UblRenderer(), CiiRenderer()),
        SaxonEN16931Validator(clock),
        SqlAlchemyEInvoiceValidations(engine),
    )


FIRM_SOURCE = "/accord/firm-configuration"


def configure_firm(hub: Hub, billing: BillingService, firm: FirmConfig) -> None:
    """Apply the finance configuration: entities through the event log (like any master
    data), FX rates, tax rules and `send_einvoices` to billing."""
    hub.ingest.ingest_batch([pulled_event(entity, FIRM_SOURCE) for entity in firm.entities])
    billing.configure_firm(
        FinanceSettings(
            fx=tuple(FxQuote(q.date, q.from_, q.to, q.rate) for q in firm.fx),
            tax=tuple(
                TaxRule(t.entity, t.customer_country, TaxCategory(t.category), t.rate)
                for t in firm.tax
            ),
            send_einvoices=firm.send_einvoices,
        )
    )
