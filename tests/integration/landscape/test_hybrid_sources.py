"""File-drop and SQL sources named in a landscape file: mapping paths are taken from the
landscape's folder, and `check_connectors` probes them like every other system."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from accord.bootstrap import check_connectors
from accord.connectors import filedrop, sql
from accord.landscape import load_landscape

LANDSCAPE = """\
version: 1
sandbox: {}
sources:
  legacy-time:
    connector: filedrop
    settings:
      name: legacy-psa
      system: psa
      location: {type: local, root: exchange}
      feeds:
        - {name: approved_time, directory: inbound, pattern: "time-*.csv",
           mapping: mappings/approved-time.yaml, ready: marker}
      exports:
        - {mapping: mappings/journal-export.yaml, directory: outbound}
  payroll:
    connector: sql
    settings:
      name: payroll
      system: hr
      url: {env: TEST_PAYROLL_URL}
      sources:
        - {name: workers, mapping: mappings/payroll-workers.yaml}
"""


def test_sources_are_probed_with_their_mappings_found_next_to_the_landscape(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "mappings").mkdir()
    for shipped in ("approved-time.yaml", "journal-export.yaml"):
        shutil.copy(filedrop.MAPPINGS / shipped, tmp_path / "mappings" / shipped)
    shutil.copy(sql.MAPPINGS / "payroll-workers.yaml", tmp_path / "mappings")
    exchange = tmp_path / "exchange"
    (exchange / "inbound").mkdir(parents=True)
    database = tmp_path / "payroll.sqlite"
    sa.create_engine(f"sqlite:///{database}").connect().close()  # an empty database
    landscape_file = tmp_path / "landscape.yaml"
    landscape_file.write_text(LANDSCAPE.replace("root: exchange", f"root: {exchange}"))
    monkeypatch.setenv("TEST_PAYROLL_URL", f"sqlite:///{database}")

    results = check_connectors(load_landscape(landscape_file), lambda role: "http://127.0.0.1:9")

    name, files = results["sources.legacy-time"]
    assert (name, files.ok) == ("filedrop", True), files.message
    assert {k: files.details[k] for k in ("reachable", "read", "write")} == {
        "reachable": True,
        "read": True,
        "write": True,
    }
    assert (exchange / "outbound").is_dir()  # the export directory was written to
    name, payroll = results["sources.payroll"]
    assert (name, payroll.ok, payroll.details["reachable"]) == ("sql", False, True)
    assert "missing in the database" in payroll.message and "workers" in payroll.message
    assert not results["systems.erp"][1].ok  # nothing answers at the sandbox URL
