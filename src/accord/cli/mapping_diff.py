"""The sample file of `accord mapping test`, its records mapped, and the field-by-field
differences between two mappings' canonical records."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from accord.connectors.sdk.preview import RecordMapper

Sample = list[tuple[str, Mapping[str, Any]]]
"""Each sample record with the stream it belongs to."""


@dataclass(frozen=True)
class Mapped:
    """One sample record's canonical record (as JSON) and the stream that mapped it."""

    number: int
    stream: str
    record: dict[str, Any]


def sample_records(path: Path, streams: list[str]) -> Sample:
    """The records of a sample file: a JSON list (of the only stream's records) or an
    object giving each stream's list; ValueError says what the file should hold."""
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValueError(f"sample {path}: cannot read it as JSON: {error}") from None
    if isinstance(content, list):
        if len(streams) != 1:
            raise ValueError(
                f"sample {path}: this system has several streams ({', '.join(streams)}); "
                "give an object naming each one's records, e.g. {\"" + streams[0] + '": [...]}'
            )
        content = {streams[0]: content}
    if not isinstance(content, dict):
        raise ValueError(f"sample {path}: give a list of records or {{stream: [records]}}")
    records: Sample = []
    for stream, items in content.items():
        if stream not in streams:
            raise ValueError(f"sample {path}: no stream {stream!r} (known: {', '.join(streams)})")
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise ValueError(f"sample {path}: {stream}: give a list of JSON objects")
        records += [(stream, item) for item in items]
    return records


def map_one(mappers: Mapping[str, RecordMapper], number: int, stream: str, raw: Any) -> Mapped:
    """Sample record `number` mapped; ValueError names it and what failed."""
    try:
        record = mappers[stream](raw)
    except ValueError as error:
        raise ValueError(f"sample record {number} ({stream}): {error}") from None
    return Mapped(number, stream, record.model_dump(mode="json", by_alias=True))


def map_sample(mappers: Mapping[str, RecordMapper], records: Sample) -> list[Mapped]:
    """Every sample record mapped (numbered from 1); the first that fails raises."""
    return [map_one(mappers, n, s, raw) for n, (s, raw) in enumerate(records, start=1)]


def differences(
    mapped: list[Mapped], defaults: Mapping[str, RecordMapper], records: Sample
) -> list[dict[str, Any]]:
    """Each field whose value differs between `mapped` and what `defaults` make of the
    same records (a record the default cannot map shows its error as the default; a
    stream the defaults do not have is not compared)."""
    found = []
    for done, (stream, raw) in zip(mapped, records, strict=True):
        if stream not in defaults:
            continue
        try:
            default: Any = map_one(defaults, done.number, stream, raw).record
        except ValueError as error:
            default = {"(error)": str(error)}
        ours, theirs = _flat(done.record), _flat(default)
        for field in sorted(ours.keys() | theirs.keys()):
            if ours.get(field) != theirs.get(field):
                found.append(
                    {
                        "record": done.number,
                        "stream": stream,
                        "field": field,
                        "default": theirs.get(field),
                        "mapping": ours.get(field),
                    }
                )
    return found


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested objects and lists as dotted paths (`lines.0.amount`) to their leaf values."""
    items: list[tuple[str, Any]]
    if isinstance(value, dict) and value:
        items = [(str(name), item) for name, item in value.items()]
    elif isinstance(value, list) and value:
        items = [(str(index), item) for index, item in enumerate(value)]
    else:
        return {prefix: value}
    flat: dict[str, Any] = {}
    for name, item in items:
        flat |= _flat(item, f"{prefix}.{name}" if prefix else str(name))
    return flat
