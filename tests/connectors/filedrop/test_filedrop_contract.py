"""The SDK's standard suite against the file-drop connector on a real SFTP server."""

from __future__ import annotations

import itertools
import socket
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from accord.connectors.filedrop import FileDropConnector, connector_factory
from accord.connectors.filedrop.journals import FileDropJournals
from accord.connectors.sdk.testing.suite import ConnectorContract, IdempotentWrite, StreamCase
from tests.connectors.filedrop.conftest import JOURNAL_MAPPING, TIME_MAPPING
from tests.connectors.filedrop.drops import drop, posting, time_rows
from tests.connectors.filedrop.sftp_server import SftpServer


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class TestFileDropOverSftp(ConnectorContract):
    @pytest.fixture
    def connector_config(self, sftp_server: SftpServer) -> dict[str, Any]:
        return {
            "name": "legacy-psa",
            "system": "psa",
            "location": sftp_server.location(),
            "feeds": [{"name": "approved_time", "mapping": TIME_MAPPING}],
            "exports": [{"mapping": JOURNAL_MAPPING}],
        }

    @pytest.fixture
    def connector(self, connector_config: Mapping[str, Any]) -> Iterator[FileDropConnector]:
        built = connector_factory(connector_config)
        yield built
        built.close()

    @pytest.fixture
    def unreachable_config(
        self, connector_config: Mapping[str, Any], sftp_server: SftpServer
    ) -> Mapping[str, Any]:
        return {**connector_config, "location": sftp_server.location(port=_closed_port())}

    @pytest.fixture
    def idempotent_writes(
        self, connector: FileDropConnector, sftp_root: Path
    ) -> Sequence[IdempotentWrite]:
        exporter = connector.exporter
        journals = connector.ports()["JournalPosting"]
        assert isinstance(journals, FileDropJournals)
        return [
            IdempotentWrite(
                port="FileExport",
                name="journal export",
                write=lambda: exporter.export(posting("INV-DE01-000042")),
                count=lambda: len(list((sftp_root / "outbound").glob("journal-*.csv"))),
            ),
            IdempotentWrite(
                port="JournalPosting",
                name="journal entry posted as its file",
                write=lambda: journals.post_journal(posting("INV-DE01-000043")),
                count=lambda: len(list((sftp_root / "outbound").glob("journal-*.csv"))),
            ),
        ]

    @pytest.fixture
    def stream_cases(self, sftp_root: Path) -> Sequence[StreamCase]:
        files = itertools.count(1)

        def seed(count: int) -> list[str]:
            prefix = f"T{next(files)}"
            drop(sftp_root / "inbound", f"time-{prefix}.csv", time_rows(prefix, count))
            return [f"{prefix}-{n}" for n in range(1, count + 1)]

        return [StreamCase("approved_time", seed, key=lambda record: record.id)]

    @pytest.fixture
    def throttled_burst(self) -> None:
        pytest.skip("an SFTP server does not throttle; writes are files, not requests")
