"""SQLAlchemy audit log: appends under a lock on the chain head row."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from accord.adapters.governance_tables import audit_head, audit_log
from accord.adapters.sql import aware
from accord.adapters.transactions import begin, reading
from accord.application.audit import AuditEntry, AuditRecord, digest, row_hash

_c = audit_log.c


class SqlAlchemyAuditLog:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def append(self, entry: AuditEntry, at: datetime) -> AuditRecord:
        with begin(self._engine) as connection:
            last_seq, previous = connection.execute(
                sa.select(audit_head.c.seq, audit_head.c.hash)
                .where(audit_head.c.id == 1)
                .with_for_update()
            ).one()
            seq = int(last_seq) + 1
            before_digest, after_digest = digest(entry.before), digest(entry.after)
            hashed = row_hash(previous, seq, at, entry, before_digest, after_digest)
            record = AuditRecord(
                seq=seq,
                at=at,
                actor=entry.actor,
                action=entry.action,
                subject=entry.subject,
                correlation_id=entry.correlation_id,
                before=entry.before,
                after=entry.after,
                before_digest=before_digest,
                after_digest=after_digest,
                previous_hash=previous,
                hash=hashed,
            )
            connection.execute(sa.insert(audit_log).values(**_row(record)))
            connection.execute(
                sa.update(audit_head).where(audit_head.c.id == 1).values(seq=seq, hash=hashed)
            )
        return record

    def records(self, after_seq: int = 0, limit: int | None = None) -> list[AuditRecord]:
        query = sa.select(audit_log).where(_c.seq > after_seq).order_by(_c.seq)
        if limit is not None:
            query = query.limit(limit)
        with reading(self._engine) as connection:
            return [_record(row._mapping) for row in connection.execute(query)]

    def head(self) -> tuple[int, str]:
        with reading(self._engine) as connection:
            seq, hashed = connection.execute(
                sa.select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)
            ).one()
        return int(seq), str(hashed)


def _row(record: AuditRecord) -> dict[str, object]:
    return {
        "seq": record.seq,
        "at": record.at,
        "actor": record.actor,
        "action": record.action,
        "subject": record.subject,
        "correlation_id": record.correlation_id,
        "before": record.before,
        "after": record.after,
        "before_digest": record.before_digest,
        "after_digest": record.after_digest,
        "previous_hash": record.previous_hash,
        "hash": record.hash,
    }


def _record(row: sa.RowMapping) -> AuditRecord:
    at = aware(row["at"])
    assert at is not None
    return AuditRecord(
        seq=int(row["seq"]),
        at=at,
        actor=row["actor"],
        action=row["action"],
        subject=row["subject"],
        correlation_id=row["correlation_id"],
        before=row["before"],
        after=row["after"],
        before_digest=row["before_digest"],
        after_digest=row["after_digest"],
        previous_hash=row["previous_hash"],
        hash=row["hash"],
        purged_at=aware(row["purged_at"]),
    )
