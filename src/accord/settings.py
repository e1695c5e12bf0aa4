"""Runtime configuration, read from the environment (ACCORD_*) with embedded defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _home() -> Path:
    return Path(os.environ.get("ACCORD_HOME", ".accord")).resolve()


def _path(value: str | None) -> Path | None:
    return Path(value).expanduser().resolve() if value else None


@dataclass(frozen=True)
class Settings:
    """Where Accord keeps its state and which services it talks to.

    The embedded default needs nothing: SQLite under ``ACCORD_HOME`` (``./.accord``) and
    in-process event subscribers. ``ACCORD_DATABASE_URL`` switches the store to PostgreSQL
    (or MariaDB, for one process) and ``ACCORD_NATS_URL`` publishes events to NATS
    JetStream.

    The audit chain's head is anchored outside the database when an audit key is set:
    ``ACCORD_AUDIT_KEY_FILE`` (a file holding the secret, e.g. a mounted secret) or
    ``ACCORD_AUDIT_KEY`` (the secret itself); anchors go to ``ACCORD_AUDIT_ANCHOR_FILE``
    (default ``audit-anchors.jsonl`` under the home), which should live where the
    database's writers cannot rewrite it.
    """

    home: Path = field(default_factory=_home)
    database_url: str = ""
    nats_url: str | None = None
    http_host: str = "127.0.0.1"
    http_port: int = 8400
    audit_key_file: Path | None = None
    audit_key: str | None = field(default=None, repr=False)
    audit_anchor_file: Path | None = None
    ledger_accounts: str = ""
    """``ACCORD_LEDGER_ACCOUNTS``: the firm's account code per journal account role,
    ``role=code`` pairs separated by commas; unnamed roles keep their default code."""

    @classmethod
    def from_env(cls) -> Settings:
        home = _home()
        return cls(
            home=home,
            database_url=os.environ.get("ACCORD_DATABASE_URL")
            or f"sqlite:///{home / 'accord.sqlite'}",
            nats_url=os.environ.get("ACCORD_NATS_URL") or None,
            http_host=os.environ.get("ACCORD_HTTP_HOST", "127.0.0.1"),
            http_port=int(os.environ.get("ACCORD_HTTP_PORT", "8400")),
            audit_key_file=_path(os.environ.get("ACCORD_AUDIT_KEY_FILE")),
            audit_key=os.environ.get("ACCORD_AUDIT_KEY") or None,
            audit_anchor_file=_path(os.environ.get("ACCORD_AUDIT_ANCHOR_FILE")),
            ledger_accounts=os.environ.get("ACCORD_LEDGER_ACCOUNTS", ""),
        )

    @property
    def audit_anchors(self) -> Path:
        """Where the audit chain's signed heads are appended."""
        return self.audit_anchor_file or self.home / "audit-anchors.jsonl"

    @property
    def is_embedded(self) -> bool:
        return self.database_url.startswith("sqlite")
