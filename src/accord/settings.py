"""Runtime configuration, read from the environment (ACCORD_*) with embedded defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _home() -> Path:
    return Path(os.environ.get("ACCORD_HOME", ".accord")).resolve()


@dataclass(frozen=True)
class Settings:
    """Where Accord keeps its state and which services it talks to.

    The embedded default needs nothing: SQLite under ``ACCORD_HOME`` (``./.accord``) and
    in-process event subscribers. ``ACCORD_DATABASE_URL`` switches the store to PostgreSQL
    and ``ACCORD_NATS_URL`` publishes events to NATS JetStream.
    """

    home: Path = field(default_factory=_home)
    database_url: str = ""
    nats_url: str | None = None
    http_host: str = "127.0.0.1"
    http_port: int = 8400

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
        )

    @property
    def is_embedded(self) -> bool:
        return self.database_url.startswith("sqlite")
