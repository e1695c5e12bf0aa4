"""Read models over the event log: the status `accord status` and the dashboard show."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from accord.adapters.sql import aware
from accord.adapters.store import READ_ONLY
from accord.adapters.tables import exceptions, inbound_events, outbox, worker_checkpoints
from accord.application.ports import EventLogStatus, EventStatus
from accord.domain.exceptions import ExceptionStatus


class SqlAlchemyEventLogQueries:
    """`EventLogQueries` reading in one short read-only transaction."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def status(self) -> EventLogStatus:
        ev, ob = inbound_events.c, outbox.c
        with self._engine.connect().execution_options(**READ_ONLY) as connection:
            counts = {status: 0 for status in EventStatus}
            for status, count in connection.execute(
                sa.select(ev.status, sa.func.count()).group_by(ev.status)
            ):
                counts[EventStatus(status)] = int(count)
            oldest_pending = connection.execute(
                sa.select(sa.func.min(ev.received_at)).where(ev.status == EventStatus.PENDING.value)
            ).scalar()
            unpublished, oldest_unpublished = connection.execute(
                sa.select(sa.func.count(), sa.func.min(ob.created_at)).where(
                    ob.published_at.is_(None)
                )
            ).one()
            open_exceptions = connection.execute(
                sa.select(sa.func.count()).where(exceptions.c.status == ExceptionStatus.OPEN.value)
            ).scalar_one()
            checkpoints = {
                str(worker): int(last_seq)
                for worker, last_seq in connection.execute(
                    sa.select(worker_checkpoints.c.worker, worker_checkpoints.c.last_seq)
                )
            }
        return EventLogStatus(
            counts=counts,
            oldest_pending_at=aware(oldest_pending),
            outbox_unpublished=int(unpublished),
            oldest_unpublished_at=aware(oldest_unpublished),
            open_exceptions=int(open_exceptions),
            checkpoints=checkpoints,
        )
