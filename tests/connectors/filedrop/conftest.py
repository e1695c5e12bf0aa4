"""Fixtures for the file-drop connector: a real SFTP server and the mappings its tests use."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from accord.connectors.filedrop import MAPPINGS
from tests.connectors.filedrop.sftp_server import SftpServer

TIME_MAPPING = str(MAPPINGS / "approved-time.yaml")
JOURNAL_MAPPING = str(MAPPINGS / "journal-export.yaml")


@pytest.fixture
def sftp_root(tmp_path: Path) -> Path:
    root = tmp_path / "sftp"
    root.mkdir()
    return root


@pytest.fixture
def sftp_server(sftp_root: Path) -> Iterator[SftpServer]:
    server = SftpServer(sftp_root).start()
    yield server
    server.stop()
