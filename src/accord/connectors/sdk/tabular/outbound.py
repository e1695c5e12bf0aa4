"""Canonical records to rows (of an export file or a legacy table), through a validated
outbound mapping. A record is turned into all its rows or into none: a failing
expression raises `RecordNotMapped` naming the record, the column and the expression."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jmespath.exceptions import JMESPathError

from accord.canonical.base import CanonicalModel
from accord.connectors.sdk.tabular.document import (
    Expression,
    MappingDocument,
    MappingFileError,
    compile_expression,
    load_document,
    record_model,
)


class RecordNotMapped(ValueError):
    """A record the mapping cannot turn into rows; the message names record and column."""


@dataclass(frozen=True)
class OutboundMapping:
    """A validated outbound mapping: ordered columns, each with its expression."""

    label: str
    document: MappingDocument
    model: type[CanonicalModel]
    values: Mapping[str, Expression]
    each: Expression | None

    @property
    def kind(self) -> str:
        return self.model.SCHEMA_NAME

    @property
    def column_names(self) -> list[str]:
        return list(self.values)

    def rows(self, record: CanonicalModel) -> list[dict[str, Any]]:
        """Every row of `record`, in order: one, or one per element of `each`."""
        if not isinstance(record, self.model):
            raise RecordNotMapped(
                f"{self.label} maps {self.kind} records, not {type(record).__name__}"
            )
        document = record.model_dump(mode="json", by_alias=True)
        where = f"{self.kind} {record.business_key()}"
        if self.each is None:
            return [self._row({"record": document}, where)]
        items = self._search(self.each, document, where, "each")
        if not isinstance(items, list):
            raise RecordNotMapped(
                f"{where}: each (expression {self.each.text!r}) gives {items!r}, not a list"
            )
        return [
            self._row({"record": document, "item": item, "index": index}, f"{where} #{index}")
            for index, item in enumerate(items, start=1)
        ]

    def _row(self, scope: Mapping[str, Any], where: str) -> dict[str, Any]:
        return {name: self._search(e, scope, where, name) for name, e in self.values.items()}

    @staticmethod
    def _search(expression: Expression, scope: Mapping[str, Any], where: str, name: str) -> Any:
        try:
            return expression.search(scope)
        except (JMESPathError, TypeError, ValueError) as error:
            raise RecordNotMapped(
                f"{where}: column {name!r} (expression {expression.text!r}): {error}"
            ) from None


def outbound_mapping(source: str | Path | Mapping[str, Any]) -> OutboundMapping:
    """Load and check an outbound mapping: a known record, at least one column, and a
    valid `value` expression for every column (and for `each`)."""
    label, document = load_document(source)
    model = record_model(document.record, f"mapping {label}: record")
    if not document.columns:
        raise MappingFileError(f"mapping {label}: columns: give at least one column")
    values = {}
    for index, column in enumerate(document.columns):
        where = f"mapping {label}: columns.{index} ({column.name})"
        if column.value is None:
            raise MappingFileError(f"{where}: value: an outbound column needs an expression")
        if column.name in values:
            raise MappingFileError(f"{where}: declared twice")
        values[column.name] = compile_expression(column.value, f"{where}.value")
    each = None
    if document.each is not None:
        each = compile_expression(document.each, f"mapping {label}: each")
    return OutboundMapping(label, document, model, values, each)
