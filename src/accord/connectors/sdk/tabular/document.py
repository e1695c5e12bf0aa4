"""The mapping file between rows (of a dropped file or a legacy table) and canonical records.

A mapping is data, not code: a YAML document a firm can edit, validated when the connector
is built so a mistake is reported at start-up, naming the key, never at the first row.

Inbound (rows to records):

    version: 1
    record: time_entry             # the canonical record each row becomes
    file: {format: csv, delimiter: ";", header: true}       # file drops only
    table: {name: workers, key: worker_id, cursor: updated_at}  # SQL sources only
    columns:                       # the declared columns, their types and rules
      - {name: entry_id, type: string}
      - {name: hours, type: decimal}
      - {name: work_date, type: date, format: "%d.%m.%Y"}
    fields:                        # canonical field: JMESPath expression over the row
      id: entry_id
      source_system: "'legacy-psa'"

Outbound (records to rows), for file exports and SQL targets:

    version: 1
    record: invoice
    each: lines                    # optional: one row per element of this list (of the record)
    file: {format: csv, name: "{key}.csv"}     # or table: {name: ..., key: [...]}
    columns:
      - {name: invoice_no, value: record.number}
      - {name: line_no, value: index}
      - {name: amount, value: item.amount}

Expressions are JMESPath (https://jmespath.org/specification.html). Inbound they read the
typed row; outbound they read `record` (the canonical record as JSON), `item` and `index`
(from 1) when `each` is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import jmespath
import yaml
from jmespath.exceptions import JMESPathError
from jmespath.parser import ParsedResult
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from accord.canonical.base import CanonicalModel
from accord.canonical.registry import latest_versions

ColumnType = Literal["string", "integer", "decimal", "date", "datetime", "boolean"]


class MappingFileError(ValueError):
    """A mapping file that cannot be used; the message names the file, the key and why."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FileLayout(_Strict):
    """How a dropped or exported file is laid out."""

    format: Literal["csv", "fixed"] = "csv"
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    header: bool = True
    encoding: str = "utf-8"
    name: str = Field(default="{key}.csv", description="outbound: the file name; {key}")


class Column(_Strict):
    """A declared column: its type, whether it must hold a value, and its layout."""

    name: str = Field(min_length=1)
    type: ColumnType = "string"
    required: bool = True
    format: str | None = Field(default=None, description="strptime format for date/datetime")
    start: int | None = Field(default=None, ge=1, description="fixed width: first position")
    width: int | None = Field(default=None, ge=1, description="fixed width: characters")
    value: str | None = Field(default=None, description="outbound: JMESPath expression")


class ChildTable(_Strict):
    """Rows of another table attached to each row under a name, e.g. employment history."""

    table: str = Field(min_length=1)
    key: str = Field(min_length=1, description="the column holding the parent's key")
    order_by: str | None = None
    columns: list[Column] = Field(default_factory=list)


class TableLayout(_Strict):
    """Where a record lives in a SQL database."""

    name: str = Field(min_length=1)
    key: list[str] = Field(min_length=1, description="the business key column(s)")
    cursor: str | None = Field(default=None, description="inbound: the watermark column")
    children: dict[str, ChildTable] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _key_as_list(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("key"), str):
            return {**data, "key": [data["key"]]}
        return data


class MappingDocument(_Strict):
    """A whole mapping file, validated."""

    version: Literal[1] = 1
    record: str
    each: str | None = None
    file: FileLayout | None = None
    table: TableLayout | None = None
    columns: list[Column] = Field(default_factory=list)
    fields: dict[str, str] = Field(default_factory=dict)


class Expression:
    """A compiled JMESPath expression that remembers its text, for error messages."""

    def __init__(self, text: str, compiled: ParsedResult) -> None:
        self.text = text
        self._compiled = compiled

    def search(self, value: Mapping[str, Any]) -> Any:
        return self._compiled.search(value)


def compile_expression(text: str, where: str) -> Expression:
    """Compile `text`; a syntax error names `where` (e.g. `fields.hours`) and the text."""
    try:
        return Expression(text, jmespath.compile(text))
    except JMESPathError as error:
        raise MappingFileError(
            f"{where}: expression {text!r} is not valid JMESPath: {error}"
        ) from None


def record_model(name: str, where: str = "record") -> type[CanonicalModel]:
    """The canonical model called `name` (its latest version)."""
    models = latest_versions()
    if name not in models:
        known = ", ".join(sorted(models))
        raise MappingFileError(f"{where}: unknown canonical record {name!r} (known: {known})")
    return models[name]


def load_document(source: str | Path | Mapping[str, Any]) -> tuple[str, MappingDocument]:
    """Read and validate a mapping from a YAML file path or an already-parsed dict.

    Returns a label for messages (the file name, or `inline mapping`) and the document.
    """
    label = "inline mapping"
    if isinstance(source, str | Path):
        label = str(source)
        try:
            data = yaml.safe_load(Path(source).read_text(encoding="utf-8"))
        except OSError as error:
            raise MappingFileError(f"mapping {label}: cannot be read: {error}") from None
        except yaml.YAMLError as error:
            raise MappingFileError(f"mapping {label}: not valid YAML: {error}") from None
    else:
        data = dict(source)
    if not isinstance(data, dict):
        raise MappingFileError(f"mapping {label}: must be a YAML mapping of keys to values")
    try:
        return label, MappingDocument.model_validate(data)
    except ValidationError as error:
        raise MappingFileError(f"mapping {label}: {_first_problem(error)}") from None


def _first_problem(error: ValidationError) -> str:
    problems = []
    for detail in error.errors():
        where = ".".join(str(part) for part in detail["loc"]) or "(top level)"
        problems.append(f"{where}: {detail['msg']}")
    more = len(problems) - 3
    return "; ".join(problems[:3]) + (f"; and {more} more" if more > 0 else "")
