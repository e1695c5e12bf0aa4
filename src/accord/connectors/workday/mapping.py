"""The mapping between a Workday worker and the canonical `Resource`: a YAML file (data).

    version: 1
    record: resource
    fields:                  # canonical field: JMESPath over the worker's JSON
      id: workerId
      employment: "jobHistory[].{entity: company.id, valid_from: effectiveDate, to: endDate}"

A firm adapts the shipped file (its tenant's fields) and names its copy in the landscape
file's `mapping` setting. A worker the mapping cannot read raises `RecordNotMapped`
naming the worker, and the stream reports it as rejected while the rest proceed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jmespath
import yaml
from jmespath.exceptions import JMESPathError
from jmespath.parser import ParsedResult
from pydantic import ValidationError

from accord.canonical.v1 import Resource
from accord.connectors.sdk.preview import RecordMapper

MAPPINGS = Path(__file__).parent / "mappings"
"""The shipped default mapping."""

DEFAULT_MAPPING = MAPPINGS / "worker-resource.yaml"


class MappingError(ValueError):
    """A mapping file that cannot be used; the message names the file and the problem."""


class RecordNotMapped(ValueError):
    """A worker its mapping cannot turn into a `Resource`."""


@dataclass(frozen=True)
class WorkerMapping:
    """A validated worker mapping: one compiled JMESPath expression per canonical field."""

    label: str
    expressions: Mapping[str, ParsedResult]

    @property
    def kind(self) -> str:
        return Resource.SCHEMA_NAME

    def map_worker(self, worker: Mapping[str, Any]) -> Resource:
        """The `Resource`, or `RecordNotMapped` naming the worker and what failed."""
        where = f"worker {worker.get('id')} ({self.label})"
        values: dict[str, Any] = {}
        for field, expression in self.expressions.items():
            try:
                values[field] = expression.search(worker)
            except JMESPathError as error:
                raise RecordNotMapped(
                    f"{where}: field {field!r} (expression {expression.expression!r}): {error}"
                ) from None
        try:
            return Resource.model_validate({k: v for k, v in values.items() if v is not None})
        except ValidationError as error:
            problems = "; ".join(self._explain(e) for e in error.errors())
            raise RecordNotMapped(f"{where}: {problems}") from None

    def _explain(self, detail: Any) -> str:
        loc = [str(part) for part in detail["loc"]]
        expression = self.expressions.get(loc[0]) if loc else None
        named = f"field {'.'.join(loc)!r}"
        if expression is not None:
            named += f" (expression {expression.expression!r})"
        return f"{named}: {detail['msg']}"


def record_mappers(config: Mapping[str, Any]) -> dict[str, RecordMapper]:
    """The workers mapper of `workday`, for `accord mapping test` (a `RecordMappers`)."""
    return {"workers": worker_mapping(config.get("mapping")).map_worker}


def worker_mapping(source: str | Path | Mapping[str, Any] | None) -> WorkerMapping:
    """Load and check a worker mapping (a file path or its parsed content); the shipped
    default when `source` is empty."""
    label = str(source or DEFAULT_MAPPING) if not isinstance(source, Mapping) else "mapping"
    if isinstance(source, Mapping):
        document: Any = source
    else:
        path = Path(source or DEFAULT_MAPPING)
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as error:
            raise MappingError(f"mapping {label}: cannot read it: {error}") from None
    if not isinstance(document, Mapping) or document.get("record") != Resource.SCHEMA_NAME:
        raise MappingError(f"mapping {label}: give `record: resource` and a `fields` table")
    fields = document.get("fields")
    if not isinstance(fields, Mapping) or not fields:
        raise MappingError(f"mapping {label}: `fields` maps canonical fields to JMESPath")
    unknown = set(fields) - set(Resource.model_fields)
    if unknown:
        raise MappingError(f"mapping {label}: not fields of resource: {sorted(unknown)}")
    compiled: dict[str, ParsedResult] = {}
    for field, text in fields.items():
        try:
            compiled[str(field)] = jmespath.compile(str(text))
        except JMESPathError as error:
            raise MappingError(f"mapping {label}: field {field!r}: {error}") from None
    return WorkerMapping(label, compiled)
