"""SQLAlchemy retention: legal holds, and purges that keep hashes of what they erase."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from accord.adapters.governance_tables import audit_log, legal_holds
from accord.adapters.sql import aware
from accord.adapters.tables import inbound_events
from accord.adapters.transactions import begin, reading
from accord.application.ports import EventStatus
from accord.application.retention import LegalHold

PURGED_MARKER = '{"accord_purged":'
"""How a purged payload starts: `{"accord_purged": <when>, "sha256": <hex>}`."""
_BATCH = 1000


def _outside(
    columns: Sequence[sa.ColumnElement[str]], held: Sequence[str]
) -> sa.ColumnElement[bool]:
    # NULL columns (an event without subject) must not turn the whole test NULL.
    matches = [
        sa.func.coalesce(column, "").startswith(scope, autoescape=True)
        for scope in held
        for column in columns
    ]
    return sa.not_(sa.or_(*matches)) if matches else sa.true()


class SqlAlchemyRetentionStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def place_hold(self, scope: str, reason: str, by: str, at: datetime) -> LegalHold:
        with begin(self._engine) as connection:
            hold_id = connection.execute(
                sa.insert(legal_holds)
                .values(scope=scope, reason=reason, placed_by=by, placed_at=at)
                .returning(legal_holds.c.id)
            ).scalar_one()
        return LegalHold(int(hold_id), scope, reason, by, at)

    def release_hold(self, hold_id: int, by: str, at: datetime) -> LegalHold | None:
        c = legal_holds.c
        with begin(self._engine) as connection:
            released = connection.execute(
                sa.update(legal_holds)
                .where(c.id == hold_id, c.released_at.is_(None))
                .values(released_at=at, released_by=by)
            ).rowcount
            row = connection.execute(sa.select(legal_holds).where(c.id == hold_id)).first()
        return _hold(row._mapping) if released == 1 and row is not None else None

    def holds(self, active_only: bool = True) -> list[LegalHold]:
        query = sa.select(legal_holds).order_by(legal_holds.c.id)
        if active_only:
            query = query.where(legal_holds.c.released_at.is_(None))
        with reading(self._engine) as connection:
            return [_hold(row._mapping) for row in connection.execute(query)]

    def purge_payloads(self, before: datetime, held: Sequence[str], at: datetime) -> int:
        ev = inbound_events.c
        query = (
            sa.select(ev.seq, ev.payload)
            .where(
                ev.received_at < before,
                ev.status != EventStatus.PENDING.value,
                sa.not_(ev.payload.startswith(PURGED_MARKER)),
                _outside([ev.source, ev.subject, ev.business_key], held),
            )
            .order_by(ev.seq)
            .limit(_BATCH)
        )
        purged = 0
        while True:
            with begin(self._engine) as connection:
                rows = connection.execute(query).all()
                if not rows:
                    return purged
                connection.execute(
                    sa.update(inbound_events)
                    .where(ev.seq == sa.bindparam("row_seq"))
                    .values(payload=sa.bindparam("marker")),
                    [{"row_seq": seq, "marker": _marker(payload, at)} for seq, payload in rows],
                )
            purged += len(rows)

    def purge_audit_documents(self, before: datetime, held: Sequence[str], at: datetime) -> int:
        c = audit_log.c
        with begin(self._engine) as connection:
            return connection.execute(
                sa.update(audit_log)
                .where(
                    c.at < before,
                    c.purged_at.is_(None),
                    _outside([c.subject], held),
                )
                .values(before=sa.null(), after=sa.null(), purged_at=at)
            ).rowcount


def _marker(payload: str, at: datetime) -> str:
    sha256 = hashlib.sha256(payload.encode()).hexdigest()
    return json.dumps({"accord_purged": at.isoformat(), "sha256": sha256}, separators=(",", ":"))


def _hold(row: sa.RowMapping) -> LegalHold:
    placed = aware(row["placed_at"])
    assert placed is not None
    return LegalHold(
        id=int(row["id"]),
        scope=row["scope"],
        reason=row["reason"],
        placed_by=row["placed_by"],
        placed_at=placed,
        released_at=aware(row["released_at"]),
        released_by=row["released_by"],
    )
