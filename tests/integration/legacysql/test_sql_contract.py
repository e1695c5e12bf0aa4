"""The SDK's standard suite against the SQL connector on SQLite and on MariaDB."""

from __future__ import annotations

import datetime as dt
import itertools
import socket
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pytest
import sqlalchemy as sa

from accord.connectors.sdk.testing.suite import ConnectorContract, IdempotentWrite, StreamCase
from accord.connectors.sql import SqlConnector, connector_factory
from tests.integration.legacysql.payroll import (
    JOURNAL_MAPPING,
    STAMP,
    WORKERS_MAPPING,
    gl_journal,
    hire,
    posting,
)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class TestSqlConnector(ConnectorContract):
    @pytest.fixture
    def connector_config(self, payroll_url: str) -> dict[str, Any]:
        return {
            "name": "payroll",
            "system": "hr",
            "url": payroll_url,
            "sources": [{"name": "workers", "mapping": WORKERS_MAPPING}],
            "targets": [{"mapping": JOURNAL_MAPPING}],
        }

    @pytest.fixture
    def connector(self, connector_config: Mapping[str, Any]) -> Iterator[SqlConnector]:
        built = connector_factory(connector_config)
        yield built
        built.close()

    @pytest.fixture
    def unreachable_config(self, connector_config: Mapping[str, Any]) -> Mapping[str, Any]:
        url = f"mysql+pymysql://root@127.0.0.1:{_closed_port()}/test"
        return {**connector_config, "url": url}

    @pytest.fixture
    def idempotent_writes(self, connector: SqlConnector) -> Sequence[IdempotentWrite]:
        def documents() -> int:
            query = sa.select(sa.func.count(sa.distinct(gl_journal.c.document)))
            with connector.engine.connect() as connection:
                return int(connection.execute(query).scalar_one())

        journals = connector.journals
        assert journals is not None
        return [
            IdempotentWrite(
                port="TableUpsert",
                name="journal upsert",
                write=lambda: connector.writer.upsert(posting("INV-DE01-000042")),
                count=documents,
            ),
            IdempotentWrite(
                port="JournalPosting",
                name="journal entry posted as its rows",
                write=lambda: journals.post_journal(posting("INV-DE01-000043")),
                count=documents,
            ),
        ]

    @pytest.fixture
    def stream_cases(self, connector: SqlConnector) -> Sequence[StreamCase]:
        batches = itertools.count(1)

        def seed(count: int) -> list[str]:
            # One batch shares one whole-second stamp: the pages split inside the tie.
            batch = next(batches)
            keys = [f"W{batch}-{n}" for n in range(count)]
            for key in keys:
                hire(connector.engine, key, at=STAMP + dt.timedelta(minutes=batch))
            return keys

        return [StreamCase("workers", seed, key=lambda record: record.id)]

    @pytest.fixture
    def throttled_burst(self) -> None:
        pytest.skip("a database connection does not throttle")
