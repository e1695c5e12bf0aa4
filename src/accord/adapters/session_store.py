"""SQLAlchemy store of dashboard sessions: the SHA-256 of each id, never the id itself."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from accord.adapters.governance_tables import dashboard_sessions
from accord.adapters.sql import aware
from accord.adapters.transactions import begin, reading
from accord.application.security import parse_roles
from accord.application.sessions import SessionRecord

_c = dashboard_sessions.c


class SqlAlchemySessionStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, record: SessionRecord) -> None:
        with begin(self._engine) as connection:
            connection.execute(
                sa.insert(dashboard_sessions).values(
                    id_sha256=record.id_sha256,
                    subject=record.subject,
                    roles=sorted(record.roles),
                    method=record.method,
                    key_id=record.key_id,
                    created_at=record.created_at,
                    expires_at=record.expires_at,
                )
            )

    def get(self, id_sha256: str) -> SessionRecord | None:
        with reading(self._engine) as connection:
            row = connection.execute(
                sa.select(dashboard_sessions).where(_c.id_sha256 == id_sha256)
            ).first()
        return _record(row._mapping) if row is not None else None

    def revoke(self, id_sha256: str, at: datetime) -> bool:
        with begin(self._engine) as connection:
            result = connection.execute(
                sa.update(dashboard_sessions)
                .where(_c.id_sha256 == id_sha256, _c.revoked_at.is_(None))
                .values(revoked_at=at)
            )
        return result.rowcount == 1

    def purge(self, before: datetime) -> int:
        with begin(self._engine) as connection:
            return connection.execute(
                sa.delete(dashboard_sessions).where(
                    sa.or_(_c.expires_at < before, _c.revoked_at < before)
                )
            ).rowcount


def _record(row: sa.RowMapping) -> SessionRecord:
    created, expires = aware(row["created_at"]), aware(row["expires_at"])
    assert created is not None and expires is not None
    return SessionRecord(
        id_sha256=row["id_sha256"],
        subject=row["subject"],
        roles=parse_roles(row["roles"]),
        method=row["method"],
        created_at=created,
        expires_at=expires,
        revoked_at=aware(row["revoked_at"]),
    )
