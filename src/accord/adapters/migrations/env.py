"""Alembic environment: runs on the connection handed over by `accord.adapters.store`."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from accord.adapters.tables import metadata


def run_migrations_online() -> None:
    connection: Connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
