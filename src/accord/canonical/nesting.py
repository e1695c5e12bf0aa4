"""How deep a JSON document nests, measured without parsing it.

A JSON parser recurses once per level, so a hostile document of a few kilobytes
(`[[[[...]]]]`) exhausts its recursion long before any size limit is reached. The hub
measures the nesting first, on the raw text, and refuses what is deeper than
`MAX_JSON_DEPTH`; no canonical record comes near it (a contract with terms and rate
versions is five levels deep).
"""

from __future__ import annotations

import re

MAX_JSON_DEPTH = 64
"""The deepest nesting of objects and arrays accepted in an event or a request body."""

_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*+(?:"|\\?\Z)', re.DOTALL)
"""A string, or an unterminated one running to the end: the match never fails, so
removing strings stays linear however the quotes and backslashes are arranged."""
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")


def _openings(text: str | bytes) -> int:
    if isinstance(text, bytes):
        return text.count(b"{") + text.count(b"[")
    return text.count("{") + text.count("[")


def nests_deeper_than(text: str | bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether `text` nests objects and arrays deeper than `limit`.

    Brackets inside strings do not count. Works on invalid JSON too (it only counts), so
    it runs before any parser; bytes are read as UTF-8, replacing what is not. Cheap when
    the text has no more than `limit` opening brackets, and stops at the first level
    past the limit.
    """
    if _openings(text) <= limit:
        return False
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    depth = 0
    for bracket in _NOT_BRACKETS.sub("", _STRINGS.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > limit:
            return True
    return False
