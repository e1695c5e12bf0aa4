"""An on-premise payroll database, as a legacy system keeps it: workers, their employment
history and cost rates, and a general-ledger journal table a regional ERP imports from.
Built with SQLAlchemy Core so the same schema stands on SQLite, MariaDB and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from accord.canonical.v1 import LedgerPosting, PostingLine
from accord.connectors.sql import MAPPINGS

metadata = sa.MetaData()
workers = sa.Table(
    "workers",
    metadata,
    sa.Column("worker_id", sa.String(20), primary_key=True),
    sa.Column("full_name", sa.String(100), nullable=False),
    sa.Column("role_code", sa.String(20), nullable=False),
    # Whole seconds, as many legacy systems stamp rows: ties are the rule, not the exception.
    sa.Column("updated_at", sa.DateTime(), nullable=False),
)
employment_history = sa.Table(
    "employment_history",
    metadata,
    sa.Column("worker_id", sa.String(20), nullable=False),
    sa.Column("entity_code", sa.String(10), nullable=False),
    sa.Column("valid_from", sa.Date(), nullable=False),
    sa.Column("valid_to", sa.Date()),
)
cost_rates = sa.Table(
    "cost_rates",
    metadata,
    sa.Column("worker_id", sa.String(20), nullable=False),
    sa.Column("valid_from", sa.Date(), nullable=False),
    sa.Column("hourly_cost", sa.Numeric(10, 2), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
)
gl_journal = sa.Table(
    "gl_journal",
    metadata,
    sa.Column("entity", sa.String(10), primary_key=True),
    sa.Column("document", sa.String(40), primary_key=True),
    sa.Column("line_no", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("posting_date", sa.Date(), nullable=False),
    sa.Column("account", sa.String(10), nullable=False),
    sa.Column("debit", sa.Numeric(14, 2), nullable=False),
    sa.Column("credit", sa.Numeric(14, 2), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
)

WORKERS_MAPPING = str(MAPPINGS / "payroll-workers.yaml")
JOURNAL_MAPPING = str(MAPPINGS / "gl-journal.yaml")

STAMP = dt.datetime(2026, 3, 1, 9, 0, 0)


def hire(
    engine: sa.Engine, worker_id: str, *, at: dt.datetime = STAMP, entity: str = "DE01"
) -> None:
    """A worker employed by `entity` since January, at 62.50 EUR an hour."""
    with engine.begin() as connection:
        connection.execute(
            workers.insert().values(
                worker_id=worker_id,
                full_name=f"Worker {worker_id}",
                role_code="consultant",
                updated_at=at,
            )
        )
        connection.execute(
            employment_history.insert().values(
                worker_id=worker_id, entity_code=entity, valid_from=dt.date(2026, 1, 1)
            )
        )
        connection.execute(
            cost_rates.insert().values(
                worker_id=worker_id,
                valid_from=dt.date(2026, 1, 1),
                hourly_cost=Decimal("62.50"),
                currency="EUR",
            )
        )


def posting(number: str, amount: str = "1000.00") -> LedgerPosting:
    net = Decimal(amount)
    return LedgerPosting(
        document_number=number,
        entity="DE01",
        posting_date=dt.date(2026, 3, 31),
        currency="EUR",
        lines=[
            PostingLine(account="1200", debit=net),
            PostingLine(account="8400", credit=net),
        ],
    )
