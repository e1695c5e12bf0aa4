"""The one place that wires adapters to ports: `build_hub(settings)` returns a Hub.

Embedded default: SQLite (WAL) under ACCORD_HOME and in-process subscribers. With
ACCORD_DATABASE_URL the store is PostgreSQL; with ACCORD_NATS_URL the outbox relay
publishes to NATS JetStream.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from functools import partial

from sqlalchemy.engine import Engine

from accord.adapters.queries import SqlAlchemyEventLogQueries
from accord.adapters.store import create_store_engine, migrate
from accord.adapters.unit_of_work import SqlAlchemyUnitOfWork
from accord.application.bus import InProcessBus
from accord.application.ingest import IngestService
from accord.application.outbox_relay import OutboxRelay
from accord.application.ports import EventLogStatus, ExceptionRecord, Publisher
from accord.application.unit_of_work import UnitOfWork
from accord.application.worker import EventWorker
from accord.domain.exceptions import ExceptionKind, ExceptionStatus, OwnerRole
from accord.settings import Settings


@dataclass
class Hub:
    """The running event log: ingest, worker, outbox relay and their read models."""

    engine: Engine
    ingest: IngestService
    worker: EventWorker
    relay: OutboxRelay
    publisher: Publisher
    bus: InProcessBus | None = None
    _queries: SqlAlchemyEventLogQueries = field(init=False)

    def __post_init__(self) -> None:
        self._queries = SqlAlchemyEventLogQueries(self.engine)

    def unit_of_work(self) -> UnitOfWork:
        return SqlAlchemyUnitOfWork(self.engine)

    def status(self) -> EventLogStatus:
        """Counts by status, backlog, oldest pending, outbox lag and open exceptions."""
        return self._queries.status()

    def exceptions(
        self,
        owner: OwnerRole | None = None,
        kind: ExceptionKind | None = None,
        status: ExceptionStatus | None = None,
    ) -> builtins.list[ExceptionRecord]:
        with self.unit_of_work() as uow:
            return uow.exceptions.list(owner=owner, kind=kind, status=status)

    def close(self) -> None:
        self.publisher.close()
        self.engine.dispose()


def build_hub(
    settings: Settings,
    *,
    worker_batch_size: int = 2000,
    nats_namespace: str = "",
) -> Hub:
    """Create (and migrate) the store and wire the event-log services to it."""
    engine = create_store_engine(settings.database_url)
    migrate(engine)
    unit_of_work = partial(SqlAlchemyUnitOfWork, engine)
    bus: InProcessBus | None = None
    publisher: Publisher
    if settings.nats_url:
        from accord.adapters.publishers import NatsJetStreamPublisher

        publisher = NatsJetStreamPublisher(settings.nats_url, namespace=nats_namespace)
    else:
        bus = InProcessBus()
        publisher = bus
    return Hub(
        engine=engine,
        ingest=IngestService(unit_of_work),
        worker=EventWorker(unit_of_work, batch_size=worker_batch_size),
        relay=OutboxRelay(unit_of_work, publisher),
        publisher=publisher,
        bus=bus,
    )
