"""Export the canonical models as JSON Schema 2020-12 and check their compatibility.

Files live at `schemas/<name>/v<version>.json` and are committed; older versions stay.
`check_compatibility` enforces BACKWARD_TRANSITIVE (Confluent's sense): the schema the
code has now must accept every document written with any committed version of it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from accord.canonical.base import CanonicalModel
from accord.canonical.compatibility import compare_schemas
from accord.canonical.registry import ALL_MODELS, dataschema_for, latest_versions

DIALECT = "https://json-schema.org/draft/2020-12/schema"
JsonSchema = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Incompatibility:
    """Data written with `schema` v`version` that the code's schema would reject."""

    schema: str
    version: int
    field_path: str
    reason: str

    def __str__(self) -> str:
        where = self.field_path or "(whole record)"
        return f"{self.schema} v{self.version} {where}: {self.reason}"


def schema_of(model: type[CanonicalModel]) -> JsonSchema:
    """The JSON Schema 2020-12 document of a canonical model, closed at every level."""
    generated = model.model_json_schema(by_alias=True, mode="validation")
    _close_objects(generated)
    return {"$schema": DIALECT, "$id": dataschema_for(model), **generated}


def render(schema: JsonSchema) -> str:
    """The committed text form: two-space indent, stable order, trailing newline."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def export_schemas(dest_dir: Path) -> list[Path]:
    """Write one file per registered model and version; other files are left alone."""
    written = []
    for model in ALL_MODELS:
        path = schema_path(dest_dir, model.SCHEMA_NAME, model.SCHEMA_VERSION)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(schema_of(model)), encoding="utf-8")
        written.append(path)
    return written


def schema_path(root: Path, name: str, version: int) -> Path:
    return root / name / f"v{version}.json"


def committed_versions(committed_dir: Path) -> dict[str, dict[int, Path]]:
    """Every committed schema file, by schema name and version number."""
    found: dict[str, dict[int, Path]] = {}
    for path in sorted(committed_dir.glob("*/v*.json")):
        number = path.stem[1:]
        if number.isdigit():
            found.setdefault(path.parent.name, {})[int(number)] = path
    return found


def check_compatibility(committed_dir: Path) -> list[Incompatibility]:
    """Everything that breaks BACKWARD_TRANSITIVE against the committed schemas.

    Each registered model is compared with every committed version of its name up to
    its own, including the same version number (a changed model that kept its number).
    A committed schema whose model is gone, or is newer than the code's, is reported too.
    """
    committed = committed_versions(committed_dir)
    latest = latest_versions()
    problems: list[Incompatibility] = []
    for name, versions in committed.items():
        current = latest.get(name)
        for version in sorted(versions):
            if current is None:
                reason = "schema removed from the code; data written with it can't be read"
                problems.append(Incompatibility(name, version, "", reason))
            elif version > current.SCHEMA_VERSION:
                reason = f"committed v{version} is newer than the code's v{current.SCHEMA_VERSION}"
                problems.append(Incompatibility(name, version, "", reason))
    for model in ALL_MODELS:
        new = schema_of(model)
        for version, path in sorted(committed.get(model.SCHEMA_NAME, {}).items()):
            if version > model.SCHEMA_VERSION:
                continue
            old = json.loads(path.read_text(encoding="utf-8"))
            problems.extend(
                Incompatibility(model.SCHEMA_NAME, version, field_path, reason)
                for field_path, reason in compare_schemas(old, new)
            )
    return problems


def stale_schemas(committed_dir: Path) -> list[Path]:
    """Schema files that are missing or differ from what `export_schemas` would write."""
    stale = []
    for model in ALL_MODELS:
        path = schema_path(committed_dir, model.SCHEMA_NAME, model.SCHEMA_VERSION)
        current = render(schema_of(model))
        if not path.exists() or path.read_text(encoding="utf-8") != current:
            stale.append(path)
    return stale


def _close_objects(node: Any) -> None:
    """Set `additionalProperties: false` on every object schema that does not say."""
    if isinstance(node, dict):
        if "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            _close_objects(value)
    elif isinstance(node, list):
        for item in node:
            _close_objects(item)
