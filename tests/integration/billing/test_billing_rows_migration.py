"""Migration 0011 moves a home's one-document billing book into rows without loss.

The homes under `homes/` were produced by the release before 0011 (`accord scenario run`
of each public scenario, its `billing_state` row saved as it stood): each is written
into a store migrated to 0010, the store is upgraded, and every document, billed entry,
payment and posting time must be there unchanged, the checkpoint kept, and the next
invoice run must issue nothing.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

from accord.adapters import dataclass_json
from accord.adapters.billing_store import SqlAlchemyAppliedRecords, SqlAlchemyBillingStateStore
from accord.adapters.store import MIGRATIONS, create_store_engine
from accord.application.billing import BillingBook, BillingService
from tests.integration.wired_store import DATABASES, SERVER_DATABASES, database_url_of

HOMES = sorted((Path(__file__).parent / "homes").glob("*.json"))


def _upgrade(engine: Engine, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def _downgrade(engine: Engine, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def _old_home(engine: Engine, home: dict[str, Any]) -> BillingBook:
    """A store at 0010 holding the home's book as that release wrote it."""
    _upgrade(engine, home["revision"])
    data = json.dumps(home["data"], separators=(",", ":"))
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO billing_state (id, checkpoint, data, updated_at) "
                "VALUES (1, :checkpoint, :data, :at)"
            ),
            {"checkpoint": home["checkpoint"], "data": data, "at": datetime.now(UTC)},
        )
    return dataclass_json.loads(data, BillingBook)


def _check_upgrade(engine: Engine, home: dict[str, Any]) -> None:
    old = _old_home(engine, home)
    assert old.state.ledger.documents, "a home with nothing issued proves nothing"
    _upgrade(engine, "head")
    store = SqlAlchemyBillingStateStore(engine)
    book, checkpoint = store.load()
    assert book is not None
    assert checkpoint == home["checkpoint"]
    assert book == old  # every document, entry, payment, counter and time, unchanged
    ledger = old.state.ledger
    for number, document in ledger.documents.items():
        assert store.document(number) == document
        billed = sorted(e.entry for e in ledger.entries.values() if e.invoice == number)
        assert store.entries_billed_on(number) == billed
    through = max(d.issue_date for d in ledger.documents.values())
    billing = BillingService(store, SqlAlchemyAppliedRecords(engine))
    assert billing.run_invoices(through).documents == ()
    assert store.load() == (old, home["checkpoint"])
    assert not sa.inspect(engine).has_table("billing_state")


@pytest.mark.parametrize("path", HOMES, ids=[p.stem for p in HOMES])
def test_a_home_of_the_previous_release_upgrades_without_loss(path: Path, tmp_path: Path) -> None:
    engine = create_store_engine(f"sqlite:///{tmp_path / 'accord.sqlite'}")
    try:
        _check_upgrade(engine, json.loads(path.read_text()))
    finally:
        engine.dispose()


@pytest.fixture(params=SERVER_DATABASES)
def server_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return database_url_of(request, tmp_path)


def test_a_home_upgrades_without_loss_on_a_server_store(server_url: str) -> None:
    engine = create_store_engine(server_url)
    try:
        _check_upgrade(engine, json.loads(HOMES[0].read_text()))
    finally:
        engine.dispose()


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return database_url_of(request, tmp_path)


def test_a_downgrade_writes_the_book_back_as_one_document(database_url: str) -> None:
    engine = create_store_engine(database_url)
    try:
        home = json.loads(HOMES[0].read_text())
        old = _old_home(engine, home)
        _upgrade(engine, "head")
        _downgrade(engine, home["revision"])
        with engine.connect() as conn:
            row = conn.execute(sa.text("SELECT checkpoint, data FROM billing_state")).one()
        assert row.checkpoint == home["checkpoint"]
        assert dataclass_json.loads(row.data, BillingBook) == old
    finally:
        engine.dispose()
