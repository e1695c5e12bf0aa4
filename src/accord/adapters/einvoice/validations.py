"""The latest EN 16931 validation of each document and syntax, kept in the hub's store."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from accord.adapters.sql import aware
from accord.adapters.tables import LongText, Stamp, metadata
from accord.adapters.transactions import begin, reading
from accord.domain.billing.einvoice import EInvoiceSyntax, EInvoiceValidation, Violation

einvoice_validations = sa.Table(
    "einvoice_validations",
    metadata,
    sa.Column("number", sa.String(100), primary_key=True),
    sa.Column("syntax", sa.String(10), primary_key=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("violations", LongText, nullable=False),
    sa.Column("validated_at", Stamp, nullable=False),
)

_V = einvoice_validations.c


def _validation(row: sa.Row[Any]) -> EInvoiceValidation:
    violations = tuple(Violation(**v) for v in json.loads(row.violations))
    validated_at = aware(row.validated_at)
    assert validated_at is not None  # the column is NOT NULL
    return EInvoiceValidation(row.number, EInvoiceSyntax(row.syntax), violations, validated_at)


class SqlAlchemyEInvoiceValidations:
    """`EInvoiceValidations` on the hub's store: one row per (document, syntax)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def save(self, validation: EInvoiceValidation) -> None:
        values = {
            "status": validation.status,
            "violations": json.dumps(
                [
                    {"rule": v.rule, "text": v.text, "location": v.location}
                    for v in validation.violations
                ]
            ),
            "validated_at": validation.validated_at,
        }
        key = (_V.number == validation.number) & (_V.syntax == validation.syntax.value)
        with begin(self._engine) as connection:
            updated = connection.execute(einvoice_validations.update().where(key).values(values))
            if updated.rowcount == 0:
                connection.execute(
                    einvoice_validations.insert().values(
                        number=validation.number, syntax=validation.syntax.value, **values
                    )
                )

    def of(self, number: str) -> Sequence[EInvoiceValidation]:
        query = sa.select(einvoice_validations).where(_V.number == number).order_by(_V.syntax)
        with reading(self._engine) as connection:
            return [_validation(row) for row in connection.execute(query)]
