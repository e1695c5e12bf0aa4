"""Journal exports land once, complete, even when the hub is killed while writing one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from accord.connectors.filedrop import connector_factory
from accord.connectors.sdk import RejectedError
from tests.connectors.filedrop.conftest import JOURNAL_MAPPING
from tests.connectors.filedrop.drops import posting
from tests.connectors.filedrop.sftp_server import SftpServer

REPOSITORY = Path(__file__).parents[3]
NUMBER = "INV-DE01-000077"


def _config(server: SftpServer) -> dict[str, Any]:
    return {
        "system": "erp",
        "location": server.location(),
        "exports": [{"mapping": JOURNAL_MAPPING, "directory": "outbound"}],
    }


def _kill_hub_at(point: str, config: dict[str, Any]) -> None:
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.connectors.filedrop.export_child", point, NUMBER],
        cwd=REPOSITORY,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(json.dumps(config))
    child.stdin.close()
    try:
        assert child.stdout.readline().strip() == "HANGING"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(60)


@pytest.mark.parametrize("point", ["mid-write", "before-rename"])
def test_a_journal_export_lands_once_even_when_the_hub_is_killed_mid_write(
    point: str, sftp_server: SftpServer, sftp_root: Path
) -> None:
    config = _config(sftp_server)
    outbound = sftp_root / "outbound"

    _kill_hub_at(point, config)

    assert [p.name for p in outbound.glob(".*.part")] == [f".journal-DE01_{NUMBER}.csv.part"]
    assert not (outbound / f"journal-DE01_{NUMBER}.csv").exists(), "no importer saw a file"
    restarted = connector_factory(config)
    try:
        exported = restarted.exporter.export(posting(NUMBER))
        final = outbound / f"journal-DE01_{NUMBER}.csv"
        lines = final.read_text(encoding="utf-8").splitlines()
        assert lines[0] == "entity,document,date,line,account,debit,credit,currency"
        assert lines[1:] == [
            f"DE01,{NUMBER},2026-03-31,1,1200,1190.00,0,EUR",
            f"DE01,{NUMBER},2026-03-31,2,8400,0,1000.00,EUR",
            f"DE01,{NUMBER},2026-03-31,3,1776,0,190.00,EUR",
        ]
        assert [p.name for p in outbound.iterdir() if p.is_file()] == [final.name]

        final.unlink()  # the legacy ERP imported and removed it
        assert restarted.exporter.export(posting(NUMBER)) == exported
        assert not final.exists(), "an export consumed by the importer is never written again"
    finally:
        restarted.close()


def test_an_exported_document_with_other_content_is_refused(
    sftp_server: SftpServer, sftp_root: Path
) -> None:
    connector = connector_factory(_config(sftp_server))
    try:
        connector.exporter.export(posting(NUMBER))
        changed = posting(NUMBER).model_copy(update={"currency": "USD"})

        with pytest.raises(RejectedError, match="exported before with other content"):
            connector.exporter.export(changed)
    finally:
        connector.close()
