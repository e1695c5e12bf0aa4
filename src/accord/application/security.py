"""Who may do what: roles, permissions, principals and scoped, hashed, expiring API keys.

The permission matrix below is the single source of truth; docs/security.md prints it and
the permission-matrix test calls every endpoint with every role against it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from accord.application.clock import WallClock, wall_clock


class Role(StrEnum):
    ADMIN = "admin"
    INTEGRATION = "integration"
    FINANCE = "finance"
    BILLING = "billing"
    PMO = "pmo"
    AUDITOR = "auditor"
    VIEWER = "viewer"


class Permission(StrEnum):
    READ_RECORDS = "records:read"
    WRITE_EVENTS = "events:write"
    READ_RUNS = "runs:read"
    START_RUNS = "runs:start"
    START_FLOWS = "flows:start"
    READ_EXCEPTIONS = "exceptions:read"
    ACT_ON_EXCEPTIONS = "exceptions:act"
    APPROVE_CORRECTIONS = "corrections:approve"
    MANAGE_PERIODS = "periods:manage"
    READ_REPORTS = "reports:read"
    SENSITIVE = "sensitive"
    READ_AUDIT = "audit:read"
    MANAGE_KEYS = "keys:manage"
    PLACE_HOLDS = "holds:manage"
    RUN_PURGE = "retention:purge"


_P = Permission
_READ_ALL = {_P.READ_RECORDS, _P.READ_RUNS, _P.READ_EXCEPTIONS, _P.READ_REPORTS}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.INTEGRATION: frozenset(
        {*_READ_ALL, _P.WRITE_EVENTS, _P.START_FLOWS, _P.ACT_ON_EXCEPTIONS}
    ),
    Role.FINANCE: frozenset(
        {
            *_READ_ALL,
            _P.START_RUNS,
            _P.ACT_ON_EXCEPTIONS,
            _P.APPROVE_CORRECTIONS,
            _P.MANAGE_PERIODS,
            _P.SENSITIVE,
        }
    ),
    Role.BILLING: frozenset({*_READ_ALL, _P.START_RUNS, _P.ACT_ON_EXCEPTIONS}),
    Role.PMO: frozenset({*_READ_ALL, _P.ACT_ON_EXCEPTIONS}),
    Role.AUDITOR: frozenset({*_READ_ALL, _P.SENSITIVE, _P.READ_AUDIT, _P.PLACE_HOLDS}),
    Role.VIEWER: frozenset(_READ_ALL),
}


def permissions_of(roles: Iterable[Role]) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS[role]
    return frozenset(granted)


def parse_roles(names: Iterable[str]) -> frozenset[Role]:
    """Roles named in `names`; unknown names are ignored (an IdP may send others)."""
    known = {role.value for role in Role}
    return frozenset(Role(name) for name in names if name in known)


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: a person (OIDC) or a system (API key)."""

    subject: str
    roles: frozenset[Role]
    method: str
    expires_at: datetime | None = None
    """When the credential stops being valid (a key's expiry, a token's `exp`)."""

    @property
    def key_id(self) -> str | None:
        """The API key this principal signed in with, if it did."""
        kind, _, key_id = self.method.partition(":")
        return key_id if kind == "key" and key_id else None

    @property
    def permissions(self) -> frozenset[Permission]:
        return permissions_of(self.roles)

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    @property
    def actor(self) -> str:
        """How the audit trail names this caller."""
        return f"{self.method}:{self.subject}"


class AuthenticationFailed(Exception):
    """Credentials were presented but are not valid; the message says why."""


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    """A stored API key: only the SHA-256 of its secret is kept."""

    key_id: str
    name: str
    roles: frozenset[Role]
    secret_sha256: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None = None

    def state(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


class ApiKeyStore(Protocol):
    def add(self, record: ApiKeyRecord) -> None: ...

    def get(self, key_id: str) -> ApiKeyRecord | None: ...

    def all(self) -> list[ApiKeyRecord]: ...

    def revoke(self, key_id: str, at: datetime) -> bool:
        """Mark the key revoked; False when no active key has that id."""


KEY_PREFIX = "acc"


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A new key; `token` is shown once and never stored."""

    record: ApiKeyRecord
    token: str


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiKeys:
    """Issues, checks and revokes API keys (`acc_<id>_<secret>`).

    Keys expire in real time (`WallClock`), whatever business clock the hub runs on."""

    def __init__(self, store: ApiKeyStore, clock: WallClock = wall_clock) -> None:
        self._store = store
        self._clock = clock

    def create(self, name: str, roles: Iterable[Role], ttl: timedelta | None) -> IssuedKey:
        role_set = frozenset(roles)
        if not role_set:
            raise ValueError("an API key needs at least one role, e.g. --role viewer")
        now = self._clock()
        key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
        record = ApiKeyRecord(
            key_id=key_id,
            name=name,
            roles=role_set,
            secret_sha256=_sha256(secret),
            created_at=now,
            expires_at=now + ttl if ttl is not None else None,
        )
        self._store.add(record)
        return IssuedKey(record, f"{KEY_PREFIX}_{key_id}_{secret}")

    def authenticate(self, token: str) -> Principal:
        """The key's principal; raises AuthenticationFailed without echoing the token."""
        prefix, _, rest = token.partition("_")
        key_id, _, secret = rest.partition("_")
        if prefix != KEY_PREFIX or not key_id or not secret:
            raise AuthenticationFailed("the API key is not in the form acc_<id>_<secret>")
        record = self._store.get(key_id)
        presented = _sha256(secret)
        expected = record.secret_sha256 if record else _sha256("")
        if not hmac.compare_digest(presented, expected) or record is None:
            raise AuthenticationFailed("the API key is not known")
        state = self.state(record)
        if state != "active":
            raise AuthenticationFailed(f"the API key {key_id} is {state}; ask an admin for one")
        return Principal(
            subject=record.name,
            roles=record.roles,
            method=f"key:{key_id}",
            expires_at=record.expires_at,
        )

    def is_active(self, key_id: str) -> bool:
        """Whether the key exists and is neither revoked nor expired."""
        record = self._store.get(key_id)
        return record is not None and self.state(record) == "active"

    def state(self, record: ApiKeyRecord) -> str:
        """`active`, `expired` or `revoked` now: what `authenticate` decides on, so every
        listing of keys shows the state a request with the key meets."""
        return record.state(self._clock())

    def list(self) -> list[ApiKeyRecord]:
        return self._store.all()

    def revoke(self, key_id: str) -> bool:
        return self._store.revoke(key_id, self._clock())
