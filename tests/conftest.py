"""Shared fixtures: real PostgreSQL, MariaDB and NATS services, required under CI.

Locally a missing service skips its tests; with CI=true it fails them, so a CI run can
never pass without exercising PostgreSQL, MariaDB and NATS.
"""

from __future__ import annotations

import contextlib
import os
import socket
import uuid
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest

POSTGRES_URL = os.environ.get(
    "ACCORD_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
NATS_URL = os.environ.get("ACCORD_TEST_NATS_URL", "nats://127.0.0.1:4222")
MARIADB_URL = os.environ.get("ACCORD_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test")


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), 2
        ):
            return True
    except OSError:
        return False


def require_service(name: str, url: str, default_port: int) -> None:
    """Skip locally, fail under CI, when a required service is not reachable."""
    if _reachable(url, default_port):
        return
    message = f"{name} is not reachable at {url}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; CI requires it", pytrace=False)
    pytest.skip(message)


@contextlib.contextmanager
def scratch_database(url: str, quote: str, drop_options: str = "") -> Iterator[str]:
    """Create a uniquely named database on the server at `url`, yield its URL, drop it."""
    import sqlalchemy as sa

    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"accord_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {quote}{name}{quote}"))
    try:
        yield f"{url.rsplit('/', 1)[0]}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {quote}{name}{quote}{drop_options}"))
        admin.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    require_service("PostgreSQL", POSTGRES_URL, 5432)
    with scratch_database(POSTGRES_URL, '"', " WITH (FORCE)") as url:
        yield url


@pytest.fixture
def mariadb_url() -> Iterator[str]:
    """A fresh, empty MariaDB database for one test, dropped afterwards."""
    require_service("MariaDB", MARIADB_URL, 3306)
    with scratch_database(MARIADB_URL, "`") as url:
        yield url


@pytest.fixture
def nats_url() -> str:
    """The NATS JetStream server; tests must use unique stream/subject names."""
    require_service("NATS JetStream", NATS_URL, 4222)
    return NATS_URL
