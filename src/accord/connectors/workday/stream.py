"""Workers changed since a cursor, read with limit/offset paging by update date.

Workday answers `GET /workers?updatedFrom=<stamp>&limit=N&offset=M` with
`{"total": T, "data": [...]}`, workers in `(lastUpdated, id)` order. A read asks from
the cursor's stamp (inclusive), skips what it already delivered (same stamp, lower or
equal id; or a worker the server sent twice) and stops at the first page that yields
something new: offsets shift when a worker changes while it pages, so a read never
trusts an offset further than it must. A worker the mapping cannot read becomes a
`rejected` record and the rest proceed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from accord.canonical.base import CanonicalModel
from accord.connectors.sdk import Cursor, Page, RejectedRecord, decode_cursor, encode_cursor
from accord.connectors.workday.mapping import RecordNotMapped, WorkerMapping
from accord.connectors.workday.session import WorkdaySession


def all_workers(
    session: WorkdaySession, params: Mapping[str, str], page_size: int
) -> Iterator[dict[str, Any]]:
    """Every worker matching `params` once, page after page (`offset` advanced by
    `limit`; a worker the server repeats is skipped)."""
    offset, seen = 0, set()
    while True:
        body = session.get("/workers", params={**params, "limit": page_size, "offset": offset})
        data = body.json()
        for worker in data["data"]:
            if worker["id"] not in seen:
                seen.add(worker["id"])
                yield worker
        offset += page_size
        if not data["data"] or offset >= int(data["total"]):
            return


def _position(worker: Mapping[str, Any]) -> tuple[str, str]:
    return (str(worker["lastUpdated"]), str(worker["id"]))


class WorkerStream:
    """Workers as canonical `Resource` records (see the module docs)."""

    def __init__(
        self, name: str, session: WorkdaySession, mapping: WorkerMapping, page_size: int
    ) -> None:
        self._name = name
        self._session = session
        self.mapping = mapping
        self._page_size = page_size

    @property
    def name(self) -> str:
        return self._name

    def read(self, cursor: Cursor | None, limit: int) -> Page[CanonicalModel]:
        after: list[str] | None = decode_cursor(cursor).get("after")
        last = (after[0], after[1]) if after else None
        params = {"updatedFrom": after[0]} if after else {}
        size = min(self._page_size, limit + 1)
        found: list[dict[str, Any]] = []
        offset, more = 0, False
        while not found:
            body = self._session.get(
                "/workers", params={**params, "limit": size, "offset": offset}
            ).json()
            for worker in body["data"]:
                if last is None or _position(worker) > last:
                    found.append(worker)
                    last = _position(worker)
            offset += size
            more = bool(body["data"]) and offset < int(body["total"])
            if not more:
                break
        page = found[:limit]
        if not page:
            return Page([], cursor, has_more=False)
        records, rejected = self._map(page)
        tail = list(_position(page[-1]))
        return Page(records, encode_cursor({"after": tail}), more or len(found) > limit, rejected)

    def _map(self, page: list[dict[str, Any]]) -> tuple[list[CanonicalModel], list[RejectedRecord]]:
        records: list[CanonicalModel] = []
        rejected: list[RejectedRecord] = []
        for worker in page:
            try:
                records.append(self.mapping.map_worker(worker))
            except RecordNotMapped as problem:
                key = f"worker:{worker['id']}:{worker['lastUpdated']}"
                rejected.append(RejectedRecord(key, self.mapping.kind, dict(worker), str(problem)))
        return records, rejected
