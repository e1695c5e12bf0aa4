"""Does a new JSON Schema accept every document an old one accepted?

This is the reader-side test behind BACKWARD compatibility: the new schema reads data
written with the old one. It understands the subset of JSON Schema 2020-12 the canonical
export produces ($ref into $defs, anyOf/oneOf unions, nullable fields, closed objects,
enums and consts, string patterns and formats, numeric and length bounds) and errs on the
side of reporting: a pattern that merely changed is reported, since proving that one
regular expression accepts everything another does is not decidable here.
"""

from __future__ import annotations

import math
from typing import Any

Schema = dict[str, Any]
Finding = tuple[str, str]

_LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
_EXACT_KEYWORDS = ("pattern", "format", "multipleOf")
_MAX_DEPTH = 64
_NOTHING: Schema = {"not": {}}


def compare_schemas(old: Schema, new: Schema) -> list[Finding]:
    """(field path, reason) for every way `new` rejects data `old` accepted."""
    return _Comparison(old, new).compare(old, new, "")


class _Comparison:
    """One old/new pair of documents; `$ref`s resolve against each side's own root."""

    def __init__(self, old_root: Schema, new_root: Schema) -> None:
        self._old_root = old_root
        self._new_root = new_root

    def compare(self, old: Any, new: Any, path: str) -> list[Finding]:
        if path.count(".") + path.count("[") > _MAX_DEPTH:
            return [(path, "schema nests too deeply to compare (is it recursive?)")]
        old_branches = _branches(_resolve(old, self._old_root), self._old_root)
        new_branches = _branches(_resolve(new, self._new_root), self._new_root)
        findings: list[Finding] = []
        for branch in old_branches:
            findings.extend(self._match_branch(branch, new_branches, path))
        return findings

    def _match_branch(self, old: Schema, candidates: list[Schema], path: str) -> list[Finding]:
        if old == _NOTHING or any(_accepts_anything(candidate) for candidate in candidates):
            return []
        if _accepts_anything(old):
            return [(path, f"any value was accepted, now only {_kinds(candidates)}")]
        same_kind = [c for c in candidates if _kind_accepts(c, _kind(old))]
        if not same_kind:
            return [(path, f"{_describe(old)} is no longer accepted (now {_kinds(candidates)})")]
        tagged = _tag(old)
        if tagged is not None:
            matching = [c for c in same_kind if _tag(c) == tagged]
            if not matching:
                return [(path, f"variant {tagged[0]}={tagged[1]!r} was removed")]
            same_kind = matching
            path = f"{path}[{tagged[0]}={tagged[1]}]"
        attempts = [self._compare_single(old, candidate, path) for candidate in same_kind]
        if any(not attempt for attempt in attempts):
            return []
        return min(attempts, key=len)

    def _compare_single(self, old: Schema, new: Schema, path: str) -> list[Finding]:
        findings = _compare_values(old, new, path) + _compare_bounds(old, new, path)
        if _kind(old) == "array" and "items" in old:
            findings += self.compare(old["items"], new.get("items", {}), f"{path}[]")
        if _kind(old) == "object":
            findings += self._compare_objects(old, new, path)
        return findings

    def _compare_objects(self, old: Schema, new: Schema, path: str) -> list[Finding]:
        findings: list[Finding] = []
        old_props: Schema = old.get("properties", {})
        new_props: Schema = new.get("properties", {})
        old_required = set(old.get("required", []))
        new_extra = new.get("additionalProperties", True)
        old_extra = old.get("additionalProperties", True)
        for name, old_prop in old_props.items():
            where = _join(path, name)
            if name in new_props:
                findings += self.compare(old_prop, new_props[name], where)
            elif new_extra is False:
                findings.append((where, "field removed, and additional properties are closed"))
            elif isinstance(new_extra, dict):
                findings += self.compare(old_prop, new_extra, where)
        for name in new.get("required", []):
            if name in old_required:
                continue
            reason = (
                "optional field became required"
                if name in old_props
                else ("new required field without a default")
            )
            findings.append((_join(path, name), reason))
        if old_extra is not False:
            findings += self._compare_extra(old_extra, new_extra, new_props, path)
        return findings

    def _compare_extra(
        self, old_extra: Any, new_extra: Any, new_props: Schema, path: str
    ) -> list[Finding]:
        where = _join(path, "*")
        if new_extra is False:
            return [(where, "additional properties are no longer allowed")]
        old_value = {} if old_extra is True else old_extra
        findings: list[Finding] = []
        if new_extra is not True:
            findings += self.compare(old_value, new_extra, where)
        for name, prop in new_props.items():
            findings += self.compare(old_value, prop, _join(path, name))
        return findings


def _resolve(schema: Any, root: Schema) -> Schema:
    """Follow `$ref` into `$defs` and merge `allOf`, keeping sibling keywords."""
    if schema is True or schema is None:
        return {}
    if schema is False:
        return dict(_NOTHING)
    resolved = dict(schema)
    seen: set[str] = set()
    while "$ref" in resolved:
        ref = resolved.pop("$ref")
        if ref in seen or not ref.startswith("#/"):
            break
        seen.add(ref)
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part]
        resolved = {**target, **resolved}
    for part in resolved.pop("allOf", []):
        resolved = {**_resolve(part, root), **resolved}
    return resolved


def _branches(schema: Schema, root: Schema) -> list[Schema]:
    """The alternatives a value may match: union members, one per listed type."""
    for keyword in ("anyOf", "oneOf"):
        if keyword in schema:
            rest = {k: v for k, v in schema.items() if k not in (keyword, "discriminator")}
            branches: list[Schema] = []
            for member in schema[keyword]:
                branches.extend(_branches({**rest, **_resolve(member, root)}, root))
            return branches
    types = schema.get("type")
    if isinstance(types, list):
        return [{**schema, "type": single} for single in types]
    return [schema]


def _accepts_anything(schema: Schema) -> bool:
    constraining = set(schema) - {"title", "description", "default", "examples", "$comment"}
    return not constraining


def _kind(schema: Schema) -> str:
    if "type" in schema:
        return str(schema["type"])
    value = schema["const"] if "const" in schema else (schema.get("enum") or [None])[0]
    return _json_type(value)


def _json_type(value: Any) -> str:
    names = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array"}
    if value is None:
        return "null"
    return names.get(type(value), "object")


def _kind_accepts(schema: Schema, kind: str) -> bool:
    own = _kind(schema) if ("type" in schema or "const" in schema or "enum" in schema) else None
    return own is None or own == kind or (own == "number" and kind == "integer")


def _kinds(schemas: list[Schema]) -> str:
    return " or ".join(sorted({_describe(schema) for schema in schemas}))


def _describe(schema: Schema) -> str:
    if "const" in schema:
        return f"the value {schema['const']!r}"
    return f"type {_kind(schema)}"


def _tag(schema: Schema) -> tuple[str, Any] | None:
    """The discriminator of an object variant: its first property fixed by `const`."""
    for name, prop in schema.get("properties", {}).items():
        if isinstance(prop, dict) and "const" in prop:
            return name, prop["const"]
    return None


def _allowed_values(schema: Schema) -> list[Any] | None:
    if "const" in schema:
        return [schema["const"]]
    if "enum" in schema:
        return list(schema["enum"])
    return None


def _compare_values(old: Schema, new: Schema, path: str) -> list[Finding]:
    findings: list[Finding] = []
    old_values, new_values = _allowed_values(old), _allowed_values(new)
    if new_values is not None:
        if old_values is None:
            findings.append((path, f"values restricted to {new_values}, any value was allowed"))
        else:
            removed = [value for value in old_values if value not in new_values]
            if removed:
                findings.append((path, f"allowed values removed: {removed}"))
    for keyword in _EXACT_KEYWORDS:
        if keyword in new and new[keyword] != old.get(keyword):
            before = old.get(keyword, "none")
            findings.append((path, f"{keyword} changed from {before!r} to {new[keyword]!r}"))
    return findings


def _compare_bounds(old: Schema, new: Schema, path: str) -> list[Finding]:
    findings: list[Finding] = []
    for keyword in _LOWER_BOUNDS:
        if new.get(keyword, -math.inf) > old.get(keyword, -math.inf):
            findings.append((path, f"{keyword} raised from {old.get(keyword)} to {new[keyword]}"))
    for keyword in _UPPER_BOUNDS:
        if new.get(keyword, math.inf) < old.get(keyword, math.inf):
            findings.append((path, f"{keyword} lowered from {old.get(keyword)} to {new[keyword]}"))
    return findings


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
