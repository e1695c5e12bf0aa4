"""SQLAlchemy store of API keys: hashes, roles, expiry and revocation, never secrets."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from accord.adapters.governance_tables import api_keys
from accord.adapters.sql import aware
from accord.adapters.transactions import begin, reading
from accord.application.security import ApiKeyRecord, parse_roles

_c = api_keys.c


class SqlAlchemyApiKeyStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, record: ApiKeyRecord) -> None:
        with begin(self._engine) as connection:
            connection.execute(
                sa.insert(api_keys).values(
                    key_id=record.key_id,
                    name=record.name,
                    roles=sorted(record.roles),
                    secret_sha256=record.secret_sha256,
                    created_at=record.created_at,
                    expires_at=record.expires_at,
                    revoked_at=record.revoked_at,
                )
            )

    def get(self, key_id: str) -> ApiKeyRecord | None:
        with reading(self._engine) as connection:
            row = connection.execute(sa.select(api_keys).where(_c.key_id == key_id)).first()
        return _record(row._mapping) if row is not None else None

    def all(self) -> list[ApiKeyRecord]:
        with reading(self._engine) as connection:
            rows = connection.execute(sa.select(api_keys).order_by(_c.created_at, _c.key_id))
            return [_record(row._mapping) for row in rows]

    def revoke(self, key_id: str, at: object) -> bool:
        with begin(self._engine) as connection:
            result = connection.execute(
                sa.update(api_keys)
                .where(_c.key_id == key_id, _c.revoked_at.is_(None))
                .values(revoked_at=at)
            )
        return result.rowcount == 1


def _record(row: sa.RowMapping) -> ApiKeyRecord:
    created = aware(row["created_at"])
    assert created is not None
    return ApiKeyRecord(
        key_id=row["key_id"],
        name=row["name"],
        roles=parse_roles(row["roles"]),
        secret_sha256=row["secret_sha256"],
        created_at=created,
        expires_at=aware(row["expires_at"]),
        revoked_at=aware(row["revoked_at"]),
    )
