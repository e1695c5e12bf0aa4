"""The governance services the API, dashboard and CLI share, and their configuration."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from accord.application.audit import AuditTrail
from accord.application.idempotency import IdempotencyStore
from accord.application.ports import AppliedRecords
from accord.application.retention import RetentionPolicy, RetentionService
from accord.application.security import ApiKeys
from accord.application.sessions import DashboardSessions
from accord.application.webhooks import ReplayGuard, StaticWebhookSecrets

DEFAULT_WEBHOOK_MAX_BYTES = 256 * 1024
DEFAULT_API_MAX_BODY_BYTES = 4 * 1024 * 1024
"""A batch of 1,000 events of about 4 KiB each."""


@dataclass(frozen=True, slots=True)
class OidcSettings:
    """A trusted OpenID Connect issuer; `jwks` is a file path or an https URL."""

    issuer: str
    audience: str
    jwks: str
    roles_claim: str = "roles"


@dataclass(frozen=True, slots=True)
class GovernanceSettings:
    oidc: OidcSettings | None = None
    webhook_secrets: dict[str, str] = field(default_factory=dict)
    webhook_tolerance: timedelta = timedelta(minutes=5)
    webhook_max_bytes: int = DEFAULT_WEBHOOK_MAX_BYTES
    api_max_body_bytes: int = DEFAULT_API_MAX_BODY_BYTES
    """The largest request body the API takes (webhooks have their own limit)."""
    retention: RetentionPolicy = field(default_factory=RetentionPolicy)
    idempotency_ttl: timedelta = timedelta(hours=24)
    """How long a POST's `Idempotency-Key` keeps its response; the purge drops it after."""

    @classmethod
    def from_env(cls) -> GovernanceSettings:
        """ACCORD_OIDC_{ISSUER,AUDIENCE,JWKS,ROLES_CLAIM}, ACCORD_WEBHOOK_SECRETS (a JSON
        file mapping source to secret), ACCORD_WEBHOOK_{TOLERANCE_SECONDS,MAX_BYTES},
        ACCORD_API_MAX_BODY_BYTES,
        ACCORD_RETENTION_{RAW_PAYLOAD,PERSONAL_DATA}_DAYS, ACCORD_IDEMPOTENCY_TTL_HOURS."""
        env = os.environ
        oidc = None
        if env.get("ACCORD_OIDC_ISSUER"):
            oidc = OidcSettings(
                issuer=env["ACCORD_OIDC_ISSUER"],
                audience=env.get("ACCORD_OIDC_AUDIENCE", "accord"),
                jwks=env.get("ACCORD_OIDC_JWKS", ""),
                roles_claim=env.get("ACCORD_OIDC_ROLES_CLAIM", "roles"),
            )
        return cls(
            oidc=oidc,
            webhook_secrets=_secrets(env.get("ACCORD_WEBHOOK_SECRETS")),
            webhook_tolerance=timedelta(
                seconds=int(env.get("ACCORD_WEBHOOK_TOLERANCE_SECONDS", "300"))
            ),
            webhook_max_bytes=int(
                env.get("ACCORD_WEBHOOK_MAX_BYTES", str(DEFAULT_WEBHOOK_MAX_BYTES))
            ),
            api_max_body_bytes=int(
                env.get("ACCORD_API_MAX_BODY_BYTES", str(DEFAULT_API_MAX_BODY_BYTES))
            ),
            retention=RetentionPolicy(
                raw_payload_days=int(env.get("ACCORD_RETENTION_RAW_PAYLOAD_DAYS", "90")),
                personal_data_days=int(env.get("ACCORD_RETENTION_PERSONAL_DATA_DAYS", "365")),
            ),
            idempotency_ttl=timedelta(hours=int(env.get("ACCORD_IDEMPOTENCY_TTL_HOURS", "24"))),
        )


def _secrets(path: str | None) -> dict[str, str]:
    if not path:
        return {}
    document = json.loads(Path(path).read_text())
    if not isinstance(document, dict) or not all(
        isinstance(value, str) and value for value in document.values()
    ):
        raise ValueError(f"{path} must be a JSON object mapping each webhook source to its secret")
    return {str(source): value for source, value in document.items()}


@dataclass
class Governance:
    """Keys, dashboard sessions, audit trail, idempotency, webhook guards, retention and
    the applied records the system API serves."""

    settings: GovernanceSettings
    keys: ApiKeys
    sessions: DashboardSessions
    audit: AuditTrail
    idempotency: IdempotencyStore
    replay_guard: ReplayGuard
    retention: RetentionService
    records: AppliedRecords

    @property
    def webhook_secrets(self) -> StaticWebhookSecrets:
        return StaticWebhookSecrets(self.settings.webhook_secrets)
