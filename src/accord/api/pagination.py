"""Cursor pagination: an opaque cursor names the last item seen; pages never skip or repeat
items when others are added meanwhile, unlike offsets."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

from accord.http.problems import ProblemError

T = TypeVar("T")
Key = str | int

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

Cursor = Annotated[
    str | None, Query(description="`next_cursor` of the previous page", max_length=500)
]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="items per page")]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(last: Key) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": last}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> Key | None:
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        document = json.loads(base64.urlsafe_b64decode(padded.encode()))
        after = document["after"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        after = None
    if not isinstance(after, str | int) or isinstance(after, bool):
        raise ProblemError(
            400,
            "invalid-cursor",
            "Invalid cursor",
            "the cursor was not issued by this API; pass `next_cursor` from the previous "
            "page unchanged, or omit it for the first page",
        )
    return after


def page_of(
    items: Sequence[T], key: Callable[[T], Key], cursor: str | None, limit: int
) -> tuple[list[T], str | None]:
    """A page of `items` (sorted here by `key`) after the cursor, and the next cursor."""
    after = decode_cursor(cursor)
    ordered = sorted(items, key=key)
    if after is not None:
        ordered = [item for item in ordered if _after(key(item), after)]
    chosen = ordered[:limit]
    more = len(ordered) > limit
    return chosen, encode_cursor(key(chosen[-1])) if more and chosen else None


def _after(value: Key, after: Key) -> bool:
    if type(value) is not type(after):
        return str(value) > str(after)
    return value > after  # type: ignore[operator]
