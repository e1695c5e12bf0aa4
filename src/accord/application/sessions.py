"""Dashboard sessions: a signed-in person holds a random session id, never the credential.

Signing in checks the API key or OIDC token once and opens a session: the browser gets a
random opaque id (256 bits), the store keeps only its SHA-256, who it belongs to and when
it expires (eight hours, or sooner when the credential itself expires). Signing out
revokes the session; a session opened with an API key dies with that key, because every
use checks the key is still active.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from accord.application.clock import WallClock, wall_clock
from accord.application.security import ApiKeys, AuthenticationFailed, Principal, Role

SESSION_LIFETIME = timedelta(hours=8)


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A stored session: the SHA-256 of its id and the principal it stands for."""

    id_sha256: str
    subject: str
    roles: frozenset[Role]
    method: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None

    @property
    def key_id(self) -> str | None:
        return self.principal.key_id

    @property
    def principal(self) -> Principal:
        return Principal(self.subject, self.roles, self.method, self.expires_at)


class SessionStore(Protocol):
    def add(self, record: SessionRecord) -> None: ...

    def get(self, id_sha256: str) -> SessionRecord | None: ...

    def revoke(self, id_sha256: str, at: datetime) -> bool:
        """Mark the session revoked; False when no live session has that hash."""

    def purge(self, before: datetime) -> int:
        """Drop sessions that expired (or were revoked) before `before`; returns how many."""


@dataclass(frozen=True, slots=True)
class OpenedSession:
    """A new session; `session_id` goes into the cookie and is never stored."""

    session_id: str
    record: SessionRecord


def session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class DashboardSessions:
    """Opens, resolves and revokes dashboard sessions; they expire in real time."""

    def __init__(
        self,
        store: SessionStore,
        keys: ApiKeys,
        clock: WallClock = wall_clock,
        lifetime: timedelta = SESSION_LIFETIME,
    ) -> None:
        self._store = store
        self._keys = keys
        self._clock = clock
        self.lifetime = lifetime

    def open(self, principal: Principal) -> OpenedSession:
        """A session for a principal whose credential was just checked."""
        now = self._clock()
        expires = now + self.lifetime
        if principal.expires_at is not None:
            expires = min(expires, principal.expires_at)
        session_id = secrets.token_urlsafe(32)
        record = SessionRecord(
            id_sha256=session_hash(session_id),
            subject=principal.subject,
            roles=principal.roles,
            method=principal.method,
            created_at=now,
            expires_at=expires,
        )
        self._store.add(record)
        return OpenedSession(session_id, record)

    def principal(self, session_id: str) -> Principal:
        """Who holds this session; AuthenticationFailed when it is unknown, expired,
        signed out, or its API key was revoked or expired."""
        record = self._store.get(session_hash(session_id)) if session_id else None
        if record is None:
            raise AuthenticationFailed("the session is not known; sign in again")
        if record.revoked_at is not None:
            raise AuthenticationFailed("the session was signed out; sign in again")
        if record.expires_at <= self._clock():
            raise AuthenticationFailed("the session expired; sign in again")
        key_id = record.key_id
        if key_id is not None and not self._keys.is_active(key_id):
            raise AuthenticationFailed(f"the API key {key_id} of this session is no longer active")
        return record.principal

    def close(self, session_id: str) -> SessionRecord | None:
        """Sign out: revoke the session; the revoked record, or None if it was not live."""
        id_sha256 = session_hash(session_id)
        record = self._store.get(id_sha256) if session_id else None
        if record is None or not self._store.revoke(id_sha256, self._clock()):
            return None
        return record

    def purge_expired(self, now: datetime | None = None) -> int:
        """Forget sessions that can no longer be used."""
        return self._store.purge(now or self._clock())
