"""Page-sized slices of the dashboard's tables: a page shows at most `PAGE_SIZE` rows,
says which of how many it shows, and links to the pages before and after it.

Each table reads its own query parameter (`page`, `discrepancies_page`, ...), so two
tables on one page move independently, and every other parameter (filters) is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import urlencode

from fastapi import Request

T = TypeVar("T")
PAGE_SIZE = 50
DROPPED = frozenset({"notice"})
"""Parameters that describe one response (a flash notice), not the list being paged."""


@dataclass(frozen=True, slots=True)
class TablePage(Generic[T]):
    """The rows of one page, where they sit in the whole list, and links to move on."""

    rows: list[T]
    total: int
    first: int
    """1-based position of the first row shown; 0 when there is none."""
    previous_url: str | None = None
    next_url: str | None = None

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


def _page_number(request: Request, param: str) -> int:
    raw = request.query_params.get(param, "1")
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1


def _url(request: Request, param: str, number: int) -> str:
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in DROPPED | {param}]
    return f"{request.url.path}?{urlencode([*kept, (param, str(number))])}"


def paginate(
    items: Sequence[T], request: Request, param: str = "page", size: int = PAGE_SIZE
) -> TablePage[T]:
    """The page of `items` the request asks for (`?<param>=N`, from 1; past the end
    shows the last page)."""
    pages = max(1, -(-len(items) // size))
    number = min(_page_number(request, param), pages)
    start = (number - 1) * size
    rows = list(items[start : start + size])
    return TablePage(
        rows=rows,
        total=len(items),
        first=start + 1 if rows else 0,
        previous_url=_url(request, param, number - 1) if number > 1 else None,
        next_url=_url(request, param, number + 1) if number < pages else None,
    )
