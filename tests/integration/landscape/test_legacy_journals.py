"""A landscape whose journal target is a legacy system: the sandbox ERP takes no journal
entries, so a month's journals go to the erp source that does, a journal file drop over
SFTP (`accord journals post --config`) or a journal table in MariaDB. Each entry lands
once, amounts to the cent, debits equal to credits; posting again writes nothing new."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator, Mapping
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from accord.adapters.billing_store import SqlAlchemyBillingStateStore
from accord.application.billing import BillingBook
from accord.application.journals import LedgerJournals
from accord.bootstrap import build_hub
from accord.canonical.v1.finance import LedgerPosting
from accord.connectors import filedrop, sql
from accord.domain.calendar import Period
from accord.settings import Settings
from tests.connectors.filedrop.sftp_server import SftpServer
from tests.forked_cli import run_accord
from tests.unit.revenue.journal_builders import fixed_fee_ahead_of_billing, uk_charge
from tests.unit.revenue.journal_fakes import FakeBook

JAN = Period.parse("2026-01")
_BILLED = fixed_fee_ahead_of_billing()
BOOK = FakeBook(
    replace(_BILLED, ledger=replace(_BILLED.ledger, intercompany=(uk_charge("880.55"),)))
)
ENTRIES = {p.document_number: p for p in LedgerJournals(BOOK).postings(JAN)}


def _landscape(tmp_path: Path, source: Mapping[str, Any]) -> Path:
    path = tmp_path / "landscape.yaml"
    path.write_text(
        yaml.safe_dump({"version": 1, "sandbox": {"vendors": False}, "sources": {"ledger": source}})
    )
    return path


def _assert_lines_match(entry: LedgerPosting, rows: list[tuple[str, Decimal, Decimal]]) -> None:
    expected = [(line.account, line.debit, line.credit) for line in entry.lines]
    assert rows == expected, entry.document_number
    cents = Decimal("0.01")
    assert all(amount == amount.quantize(cents) for _, d, c in rows for amount in (d, c))
    assert sum(d for _, d, _ in rows) == sum(c for _, _, c in rows) > 0


@pytest.fixture
def sftp(tmp_path: Path) -> Iterator[SftpServer]:
    root = tmp_path / "sftp"
    root.mkdir()
    server = SftpServer(root).start()
    yield server
    server.stop()


def _tree(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(path.relative_to(root)): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _hub_with_january(home: Path) -> dict[str, str]:
    """A hub store holding the month's billing book; the environment of its CLI."""
    home.mkdir()
    hub = build_hub(Settings(home=home, database_url=f"sqlite:///{home / 'accord.sqlite'}"))
    SqlAlchemyBillingStateStore(hub.engine).save(BillingBook(BOOK.state()), 0)
    hub.close()
    env = {**os.environ, "ACCORD_HOME": str(home), "COLUMNS": "250"}
    for name in ("ACCORD_DATABASE_URL", "ACCORD_CONFIG", "ACCORD_LEDGER_ACCOUNTS"):
        env.pop(name, None)
    return env


def _accord(args: list[str], env: dict[str, str]) -> str:
    ran = run_accord(args, env)
    said = " ".join((ran.stdout + ran.stderr).split())
    assert ran.returncode == 0, said
    return said


def test_accord_journals_post_writes_each_entry_once_into_a_journal_file_drop_over_sftp(
    sftp: SftpServer, tmp_path: Path
) -> None:
    env = _hub_with_january(tmp_path / "hub")
    env["TEST_JOURNAL_SFTP_PASSWORD"] = str(sftp.location()["password"])
    location = sftp.location(password={"env": "TEST_JOURNAL_SFTP_PASSWORD"})
    export = {"mapping": str(filedrop.MAPPINGS / "journal-export.yaml"), "directory": "outbound"}
    source = {
        "connector": "filedrop",
        "settings": {"system": "erp", "location": location, "exports": [export]},
    }
    config = ["--config", str(_landscape(tmp_path, source))]
    assert "0 posted, 0 refused, 3 pending" in _accord(
        ["journals", "status", "2026-01", *config], env
    )

    assert "3 posted, 0 refused, 0 pending" in _accord(
        ["journals", "post", "2026-01", *config], env
    )
    written = _tree(sftp.root)
    assert "3 posted" in _accord(["journals", "post", "2026-01", *config], env)

    assert _tree(sftp.root) == written  # nothing rewritten, nothing new
    files = sorted((sftp.root / "outbound").glob("journal-*.csv"))
    assert len(files) == len(ENTRIES)
    by_entry: dict[str, list[tuple[str, Decimal, Decimal]]] = {}
    for file in files:
        for row in csv.DictReader(io.StringIO(file.read_text())):
            line = (row["account"], Decimal(row["debit"]), Decimal(row["credit"]))
            by_entry.setdefault(row["document"], []).append(line)
    assert sorted(by_entry) == sorted(ENTRIES)
    for number, rows in by_entry.items():
        _assert_lines_match(ENTRIES[number], rows)


GL_JOURNAL = sa.MetaData()
sa.Table(
    "gl_journal",
    GL_JOURNAL,
    sa.Column("entity", sa.String(10), primary_key=True),
    sa.Column("document", sa.String(120), primary_key=True),
    sa.Column("line_no", sa.Integer, primary_key=True),
    sa.Column("posting_date", sa.Date, nullable=False),
    sa.Column("account", sa.String(20), nullable=False),
    sa.Column("debit", sa.Numeric(18, 2), nullable=False),
    sa.Column("credit", sa.Numeric(18, 2), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
)


@pytest.mark.mariadb
def test_accord_journals_post_upserts_each_entry_once_into_a_journal_table_in_mariadb(
    mariadb_url: str, tmp_path: Path
) -> None:
    env = _hub_with_january(tmp_path / "hub") | {"TEST_JOURNAL_DB_URL": mariadb_url}
    engine = sa.create_engine(mariadb_url)
    GL_JOURNAL.create_all(engine)
    source = {
        "connector": "sql",
        "settings": {
            "system": "erp",
            "url": {"env": "TEST_JOURNAL_DB_URL"},
            "targets": [{"mapping": str(sql.MAPPINGS / "gl-journal.yaml")}],
        },
    }
    post = ["journals", "post", "2026-01", "--config", str(_landscape(tmp_path, source))]
    read = sa.text("SELECT * FROM gl_journal ORDER BY entity, document, line_no")

    assert "3 posted, 0 refused, 0 pending" in _accord(post, env)
    with engine.connect() as connection:
        written = connection.execute(read).all()
    assert "3 posted" in _accord(post, env)

    with engine.connect() as connection:
        assert connection.execute(read).all() == written
    engine.dispose()
    by_entry: dict[str, list[tuple[str, Decimal, Decimal]]] = {}
    for row in written:
        by_entry.setdefault(row.document, []).append((row.account, row.debit, row.credit))
    assert sorted(by_entry) == sorted(ENTRIES)
    for number, rows in by_entry.items():
        _assert_lines_match(ENTRIES[number], rows)
