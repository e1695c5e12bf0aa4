"""Every migration runs from an empty database to the head and back down to empty on
each store, and up again: a database's own spellings (triggers, the event log's unique
key, column types) are undone as they were made."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from accord.adapters.store import MIGRATIONS, create_store_engine, migrate
from tests.integration.wired_store import DATABASES, database_url_of


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return database_url_of(request, tmp_path)


def test_the_schema_goes_down_to_empty_and_up_again(database_url: str) -> None:
    engine = create_store_engine(database_url)
    try:
        migrate(engine)
        tables = set(sa.inspect(engine).get_table_names())
        assert {"inbound_events", "billing_rows", "audit_log"} <= tables

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
        assert sa.inspect(engine).get_table_names() == ["alembic_version"]

        migrate(engine)
        assert set(sa.inspect(engine).get_table_names()) == tables
    finally:
        engine.dispose()
