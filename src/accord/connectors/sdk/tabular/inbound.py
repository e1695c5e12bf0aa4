"""Rows to canonical records, through a validated inbound mapping.

A row is either mapped whole or rejected whole: every problem of the row (a column of the
wrong type, an expression that fails, a canonical rule broken) is collected into one
`RowRejected` whose message names the row, the column or field, and the expression, so a
person can fix the source without reading code. Nothing of a rejected row is emitted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jmespath.exceptions import JMESPathError
from pydantic import ValidationError

from accord.canonical.base import CanonicalModel
from accord.connectors.sdk.preview import RecordMapper
from accord.connectors.sdk.tabular.document import (
    Column,
    Expression,
    MappingDocument,
    MappingFileError,
    compile_expression,
    load_document,
    record_model,
)
from accord.connectors.sdk.tabular.values import ValueProblem, typed_value


class RowRejected(ValueError):
    """A row that cannot become a record; the message names where and why."""


@dataclass(frozen=True)
class InboundMapping:
    """A validated inbound mapping: declared columns and one expression per field."""

    label: str
    document: MappingDocument
    model: type[CanonicalModel]
    expressions: Mapping[str, Expression]

    @property
    def kind(self) -> str:
        """The canonical record name, e.g. `time_entry`."""
        return self.model.SCHEMA_NAME

    @property
    def columns(self) -> list[Column]:
        return self.document.columns

    def map_row(self, row: Mapping[str, Any], where: str) -> CanonicalModel:
        """The record for `row`, or `RowRejected` naming `where` (file and line, table
        and key), each bad column or field, and the expression involved."""
        typed, problems = self._typed(row)
        values: dict[str, Any] = {}
        for field, expression in self.expressions.items():
            try:
                value = expression.search(typed)
            except (JMESPathError, TypeError, ValueError) as error:
                problems.append(f"field {field!r} (expression {expression.text!r}): {error}")
                continue
            if value is not None:
                values[field] = value
        if problems:
            raise RowRejected(f"{where}: " + "; ".join(problems))
        try:
            return self.model.model_validate(values)
        except ValidationError as error:
            raise RowRejected(f"{where}: " + "; ".join(self._explain(error))) from None

    def record_mapper(self) -> RecordMapper:
        """`map_row` for `accord mapping test`: each row named by its table and key."""
        table = self.document.table

        def map_one(row: Mapping[str, Any]) -> CanonicalModel:
            if table is None:
                return self.map_row(row, f"row of {self.label}")
            key = "/".join(str(row.get(column)) for column in table.key)
            return self.map_row(row, f"{table.name} {'/'.join(table.key)}={key}")

        return map_one

    def _typed(self, row: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
        typed, problems = _typed_row(self.columns, row, "")
        table = self.document.table
        for attach, child in (table.children if table else {}).items():
            typed_children = []
            for index, child_row in enumerate(row.get(attach) or []):
                values, found = _typed_row(child.columns, child_row, f"{attach}[{index}].")
                typed_children.append(values)
                problems += found
            typed[attach] = typed_children
        return typed, problems

    def _explain(self, error: ValidationError) -> list[str]:
        problems = []
        for detail in error.errors():
            message = str(detail["msg"]).removeprefix("Value error, ")
            loc = [str(part) for part in detail["loc"]]
            if not loc:
                problems.append(f"{self.kind} rule: {message}")
                continue
            expression = self.expressions.get(loc[0])
            named = f"field {'.'.join(loc)!r}"
            if expression is not None:
                named += f" (expression {expression.text!r})"
            problems.append(f"{named}: {message}")
        return problems


def _typed_row(
    columns: list[Column], row: Mapping[str, Any], prefix: str
) -> tuple[dict[str, Any], list[str]]:
    typed = dict(row)
    problems = []
    for column in columns:
        try:
            typed[column.name] = typed_value(column, row.get(column.name))
        except ValueProblem as problem:
            problems.append(f"column {prefix + column.name!r}: {problem}")
    return typed, problems


def inbound_mapping(source: str | Path | Mapping[str, Any]) -> InboundMapping:
    """Load and check an inbound mapping: a known record, fields the record has, valid
    expressions, unique columns, and positions for every column of a fixed-width file."""
    label, document = load_document(source)
    model = record_model(document.record, f"mapping {label}: record")
    known = _field_names(model)
    if not document.fields:
        raise MappingFileError(f"mapping {label}: fields: give at least one field")
    expressions = {}
    for field, text in document.fields.items():
        if field not in known:
            raise MappingFileError(
                f"mapping {label}: fields.{field}: {document.record} has no such field "
                f"(it has: {', '.join(sorted(known))})"
            )
        expressions[field] = compile_expression(text, f"mapping {label}: fields.{field}")
    _check_columns(label, document)
    return InboundMapping(label, document, model, expressions)


def inbound_mappers(config: Mapping[str, Any], streams: str) -> dict[str, RecordMapper]:
    """The `RecordMappers` of a tabular connector: the mapper of each stream its config
    lists under `streams` (`feeds`, `sources`: each a name and a mapping), or, when the
    config names one `mapping` file, that file's alone (named by its table)."""
    if config.get("mapping"):
        mapping = inbound_mapping(config["mapping"])
        name = mapping.document.table.name if mapping.document.table else mapping.kind
        return {name: mapping.record_mapper()}
    return {
        str(entry.get("name")): inbound_mapping(entry["mapping"]).record_mapper()
        for entry in config.get(streams, ())
    }


def _field_names(model: type[CanonicalModel]) -> set[str]:
    names = set()
    for name, info in model.model_fields.items():
        names.add(name)
        if info.alias:
            names.add(info.alias)
    return names


def _check_columns(label: str, document: MappingDocument) -> None:
    names = [column.name for column in document.columns]
    doubled = sorted({name for name in names if names.count(name) > 1})
    if doubled:
        raise MappingFileError(f"mapping {label}: columns: declared twice: {', '.join(doubled)}")
    if document.file is not None and document.file.format == "fixed":
        for index, column in enumerate(document.columns):
            if column.start is None or column.width is None:
                raise MappingFileError(
                    f"mapping {label}: columns.{index} ({column.name}): a fixed-width file "
                    "needs start and width for every column"
                )
