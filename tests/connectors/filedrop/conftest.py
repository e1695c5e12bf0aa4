"""Fixtures for the file-drop connector: a real SFTP server and the mappings its tests use."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.connectors.filedrop.sftp_server import SftpServer

TIME_MAPPING = {
    "record": "time_entry",
    "file": {"format": "csv", "delimiter": ";"},
    "columns": [
        {"name": "entry", "type": "string"},
        {"name": "contract", "type": "string"},
        {"name": "person", "type": "string"},
        {"name": "work_date", "type": "date", "format": "%d.%m.%Y"},
        {"name": "hours", "type": "decimal"},
        {"name": "billable", "type": "boolean", "required": False},
    ],
    "fields": {
        "id": "entry",
        "contract": "contract",
        "term": "'tm'",
        "resource": "person",
        "date": "work_date",
        "hours": "hours",
        "billable": "billable || `true`",
        "source_system": "'legacy-psa'",
        "source_id": "entry",
    },
}

JOURNAL_MAPPING = {
    "record": "ledger_posting",
    "each": "lines",
    "file": {"format": "csv", "name": "journal-{key}.csv"},
    "columns": [
        {"name": "entity", "value": "record.entity"},
        {"name": "document", "value": "record.document_number"},
        {"name": "date", "value": "record.posting_date"},
        {"name": "line", "value": "index"},
        {"name": "account", "value": "item.account"},
        {"name": "debit", "value": "item.debit"},
        {"name": "credit", "value": "item.credit"},
        {"name": "currency", "value": "record.currency"},
    ],
}


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
