"""Checks that a simulator answers in the shapes its vendor documents.

A vendor's `documented/*.json` holds example responses copied from the vendor's
documentation, each naming its source page under `_source`. A simulator's answer
holds every key of the matching example, so the simulator cannot drift unnoticed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def documented(test_file: str, name: str) -> dict[str, Any]:
    """The documented example `name` next to `test_file`, without its `_source`."""
    path = Path(test_file).parent / "documented" / name
    example: dict[str, Any] = json.loads(path.read_text())
    example.pop("_source")
    return example


def missing_keys(example: Any, actual: Any, where: str = "") -> list[str]:
    """Keys of `example` (recursively; a list by its first element) absent in `actual`."""
    if isinstance(example, dict):
        if not isinstance(actual, dict):
            return [f"{where or '(top)'}: not an object"]
        found = [f"{where}.{key}" for key in example if key not in actual]
        for key in example.keys() & actual.keys():
            found += missing_keys(example[key], actual[key], f"{where}.{key}")
        return found
    if isinstance(example, list) and example:
        if not isinstance(actual, list) or not actual:
            return [f"{where}: not a non-empty list"]
        return missing_keys(example[0], actual[0], f"{where}[0]")
    return []
