"""An on-premise payroll database, as a legacy system keeps it: workers, their employment
history and cost rates, and a general-ledger journal table a regional ERP imports from.
Built with SQLAlchemy Core so the same schema stands on SQLite, MariaDB and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from accord.canonical.v1 import LedgerPosting, PostingLine

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

WORKERS_MAPPING = {
    "record": "resource",
    "table": {
        "name": "workers",
        "key": "worker_id",
        "cursor": "updated_at",
        "children": {
            "employment": {
                "table": "employment_history",
                "key": "worker_id",
                "order_by": "valid_from",
                "columns": [
                    {"name": "valid_from", "type": "date"},
                    {"name": "valid_to", "type": "date", "required": False},
                ],
            },
            "cost_rates": {
                "table": "cost_rates",
                "key": "worker_id",
                "order_by": "valid_from",
                "columns": [
                    {"name": "valid_from", "type": "date"},
                    {"name": "hourly_cost", "type": "decimal"},
                ],
            },
        },
    },
    "columns": [{"name": "updated_at", "type": "datetime"}],
    "fields": {
        "id": "worker_id",
        "name": "full_name",
        "role": "role_code",
        "employment": "employment[].{entity: entity_code, from: valid_from, to: valid_to}",
        "cost_rates": "cost_rates[].{from: valid_from, rate: hourly_cost, currency: currency}",
        "updated_at": "updated_at",
    },
}

JOURNAL_MAPPING = {
    "record": "ledger_posting",
    "each": "lines",
    "table": {"name": "gl_journal", "key": ["entity", "document", "line_no"]},
    "columns": [
        {"name": "entity", "value": "record.entity"},
        {"name": "document", "value": "record.document_number"},
        {"name": "line_no", "value": "index"},
        {"name": "posting_date", "value": "record.posting_date"},
        {"name": "account", "value": "item.account"},
        {"name": "debit", "value": "item.debit"},
        {"name": "credit", "value": "item.credit"},
        {"name": "currency", "value": "record.currency"},
    ],
}

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
