"""A queue from before assignees and tags migrates: its exceptions read as unassigned and
untagged, and the migration goes back down cleanly."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from accord.adapters.exception_queue import SqlAlchemyExceptionQueue
from accord.adapters.store import MIGRATIONS

ROW = (
    "INSERT INTO exceptions (kind, owner, severity, subject, status, message, details, "
    "sla_due, created_at, blocks, history) VALUES ('posting_rejected', 'finance', 'high', "
    "'INV-1', 'open', 'refused', '{}', '2026-01-02 00:00:00', '2026-01-01 00:00:00', "
    "'[]', '[]')"
)


def _upgrade(engine: sa.Engine, config: Config, revision: str, down: bool = False) -> None:
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def test_an_old_queue_reads_unassigned_and_untagged_and_migrates_back(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    _upgrade(engine, config, "0009_einvoice")
    with engine.begin() as connection:
        connection.exec_driver_sql(ROW)

    _upgrade(engine, config, "head")
    with engine.connect() as connection:
        [record] = SqlAlchemyExceptionQueue(connection).list()
    _upgrade(engine, config, "0009_einvoice", down=True)

    assert (record.subject, record.assignee, record.tags) == ("INV-1", None, ())
    with engine.connect() as connection:
        tables = sa.inspect(connection).get_table_names()
        columns = {c["name"] for c in sa.inspect(connection).get_columns("exceptions")}
    assert "exception_notifications" not in tables and "tags" not in columns
