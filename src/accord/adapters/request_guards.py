"""SQLAlchemy stores guarding requests: idempotency keys and seen webhook signatures."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from accord.adapters.governance_tables import idempotency_keys, webhook_signatures
from accord.adapters.sql import insert_or_skip
from accord.application.idempotency import Claim, ClaimOutcome, StoredResponse

_k = idempotency_keys.c


class SqlAlchemyIdempotencyStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def claim(self, scope: str, key: str, fingerprint: str, at: datetime) -> ClaimOutcome:
        with self._engine.begin() as connection:
            inserted = connection.execute(
                insert_or_skip(
                    connection,
                    idempotency_keys,
                    {"scope": scope, "key": key, "fingerprint": fingerprint, "created_at": at},
                )
            ).rowcount
            if inserted == 1:
                return ClaimOutcome(Claim.NEW)
            row = (
                connection.execute(
                    sa.select(idempotency_keys).where(_k.scope == scope, _k.key == key)
                )
                .one()
                ._mapping
            )
        if row["fingerprint"] != fingerprint:
            return ClaimOutcome(Claim.MISMATCH)
        if row["status"] is None:
            return ClaimOutcome(Claim.IN_PROGRESS)
        stored = StoredResponse(int(row["status"]), bytes(row["body"]), row["content_type"])
        return ClaimOutcome(Claim.REPLAY, stored)

    def finish(self, scope: str, key: str, response: StoredResponse) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                sa.update(idempotency_keys)
                .where(_k.scope == scope, _k.key == key)
                .values(
                    status=response.status,
                    body=response.body,
                    content_type=response.content_type,
                )
            )

    def abandon(self, scope: str, key: str) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                sa.delete(idempotency_keys).where(
                    _k.scope == scope, _k.key == key, _k.status.is_(None)
                )
            )

    def purge(self, before: datetime) -> int:
        with self._engine.begin() as connection:
            return connection.execute(
                sa.delete(idempotency_keys).where(_k.created_at < before)
            ).rowcount


class SqlAlchemyReplayGuard:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def first_seen(self, source: str, signature: str, at: datetime) -> bool:
        with self._engine.begin() as connection:
            inserted = connection.execute(
                insert_or_skip(
                    connection,
                    webhook_signatures,
                    {"source": source, "signature": signature, "received_at": at},
                )
            ).rowcount
        return bool(inserted == 1)

    def forget(self, source: str, signature: str) -> None:
        c = webhook_signatures.c
        with self._engine.begin() as connection:
            connection.execute(
                sa.delete(webhook_signatures).where(c.source == source, c.signature == signature)
            )

    def forget_before(self, before: datetime) -> int:
        with self._engine.begin() as connection:
            return connection.execute(
                sa.delete(webhook_signatures).where(webhook_signatures.c.received_at < before)
            ).rowcount
