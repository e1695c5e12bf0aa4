"""The payroll database as a source and the ledger journal as a target, on SQLite, MariaDB
and PostgreSQL: incremental reads resume after a restart without loss or duplicates,
ties at the cursor included; bad rows are rejected naming table, key, field and
expression; writes are upserts by the business key."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from accord.connectors.sdk import Cursor, RejectedError, read_all
from accord.connectors.sql import SqlConnector, connector_factory
from tests.integration.legacysql.payroll import (
    JOURNAL_MAPPING,
    STAMP,
    WORKERS_MAPPING,
    cost_rates,
    employment_history,
    gl_journal,
    hire,
    metadata,
    posting,
    workers,
)


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("mariadb", marks=pytest.mark.mariadb),
        pytest.param("postgres", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'payroll.db'}"
    else:
        url = str(request.getfixturevalue(f"{request.param}_url"))
    engine = sa.create_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    return url


def _connect(url: str) -> SqlConnector:
    return connector_factory(
        {
            "name": "payroll",
            "system": "hr",
            "url": url,
            "sources": [{"name": "workers", "mapping": WORKERS_MAPPING}],
            "targets": [{"mapping": JOURNAL_MAPPING}],
        }
    )


@pytest.fixture
def payroll(payroll_url: str) -> Iterator[SqlConnector]:
    """The payroll database on SQLite and MariaDB."""
    connector = _connect(payroll_url)
    yield connector
    connector.close()


def _read(connector: SqlConnector, cursor: Cursor | None, limit: int) -> tuple[list[Any], Any]:
    stream = connector.streams()[0]
    records = []
    for page in read_all(stream, cursor, limit):
        records += page.records
        cursor = page.next_cursor or cursor
    return records, cursor


def test_an_incremental_read_resumes_after_a_restart_without_loss_or_duplicates(
    database_url: str,
) -> None:
    payroll = _connect(database_url)
    for key in ("W-1", "W-2", "W-3", "W-4", "W-5"):
        hire(payroll.engine, key)  # all five share one updated_at
    first = payroll.streams()[0].read(None, 3)
    assert [r.id for r in first.records] == ["W-1", "W-2", "W-3"]
    payroll.close()  # the hub stops with the cursor of its last logged page

    restarted = _connect(database_url)
    try:
        rest, cursor = _read(restarted, first.next_cursor, 2)
        assert [r.id for r in rest] == ["W-4", "W-5"]

        with restarted.engine.begin() as connection:
            later = STAMP + dt.timedelta(seconds=1)
            connection.execute(
                workers.update()
                .where(workers.c.worker_id == "W-2")
                .values(role_code="manager", updated_at=later)
            )
        hire(restarted.engine, "W-0", at=STAMP + dt.timedelta(seconds=1))
        changed, _ = _read(restarted, cursor, 2)

        assert [(r.id, r.role) for r in changed] == [("W-0", "consultant"), ("W-2", "manager")]
        resource = changed[0]
        assert [(e.entity, e.valid_from) for e in resource.employment] == [
            ("DE01", dt.date(2026, 1, 1))
        ]
        assert resource.cost_rates[0].rate == Decimal("62.50")
        assert resource.updated_at == dt.datetime(2026, 3, 1, 9, 0, 1, tzinfo=dt.UTC)
    finally:
        restarted.close()


def test_a_worker_the_mapping_cannot_take_is_rejected_naming_key_field_and_expression(
    payroll: SqlConnector,
) -> None:
    hire(payroll.engine, "W-1")
    hire(payroll.engine, "W-8")
    hire(payroll.engine, "W-9")
    with payroll.engine.begin() as connection:
        connection.execute(
            cost_rates.update().where(cost_rates.c.worker_id == "W-8").values(hourly_cost=-5)
        )
        connection.execute(
            employment_history.insert().values(
                worker_id="W-9", entity_code="UK01", valid_from=dt.date(2026, 2, 1)
            )
        )

    page = payroll.streams()[0].read(None, 10)

    assert [r.id for r in page.records] == ["W-1"]
    negative, overlapping = page.rejected
    assert negative.kind == "resource"
    assert negative.reason == (
        "workers worker_id=W-8: field 'cost_rates.0.rate' (expression "
        "'cost_rates[].{from: valid_from, rate: hourly_cost, currency: currency}'): "
        "Input should be greater than or equal to 0"
    )
    assert overlapping.reason.startswith(
        "workers worker_id=W-9: resource rule: employment periods overlap: DE01 from 2026-01-01"
    )


def test_writes_are_upserts_by_the_business_key(payroll: SqlConnector) -> None:
    writer = payroll.writer

    writer.upsert(posting("INV-DE01-000001", "100.00"))
    writer.upsert(posting("INV-DE01-000001", "120.00"))
    writer.upsert(posting("INV-DE01-000002", "50.00"))

    query = sa.select(gl_journal.c.document, gl_journal.c.line_no, gl_journal.c.debit).order_by(
        gl_journal.c.document, gl_journal.c.line_no
    )
    with payroll.engine.connect() as connection:
        rows = [(d, n, str(debit)) for d, n, debit in connection.execute(query)]
    assert [(d, n) for d, n, _ in rows] == [
        ("INV-DE01-000001", 1),
        ("INV-DE01-000001", 2),
        ("INV-DE01-000002", 1),
        ("INV-DE01-000002", 2),
    ]
    assert rows[0][2].startswith("120")


def test_a_record_the_target_mapping_cannot_take_writes_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'erp.db'}"
    engine = sa.create_engine(url)
    metadata.create_all(engine)
    shipped = yaml.safe_load(Path(JOURNAL_MAPPING).read_text(encoding="utf-8"))
    broken = dict(
        shipped,
        columns=[*shipped["columns"], {"name": "memo", "value": "join(',', item.account)"}],
    )
    connector = connector_factory(
        {
            "system": "erp",
            "url": url,
            "targets": [{"mapping": broken}],
        }
    )
    try:
        with pytest.raises(
            RejectedError,
            match=r"ledger_posting DE01/INV-DE01-000003 #1: column 'memo' \(expression \"join",
        ):
            connector.writer.upsert(posting("INV-DE01-000003"))
        with engine.connect() as connection:
            written = sa.select(sa.func.count()).select_from(gl_journal)
            assert connection.execute(written).scalar_one() == 0
    finally:
        connector.close()
        engine.dispose()
