"""Workers changed since a cursor, read with limit/offset paging by update date.

Workday answers `GET /workers?updatedFrom=<stamp>&limit=N&offset=M` with
`{"total": T, "data": [...]}`, workers in `(lastUpdated, id)` order. A read asks from
the cursor's last stamp less the look-back window (inclusive; `LookBack`, the
`look_back_seconds` setting), so a worker saved in a transaction that committed after a
later-stamped one was read is still picked up; it skips what the cursor says was
delivered (`id` at `lastUpdated`; or a worker the server sent twice) and stops at the
first page that yields something new: offsets shift when a worker changes while it
pages, so a read never trusts an offset further than it must. A worker the mapping
cannot read becomes a `rejected` record and the rest proceed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

from accord.canonical.base import CanonicalModel
from accord.connectors.sdk import Cursor, Page, RejectedRecord
from accord.connectors.sdk.lookback import DEFAULT_LOOK_BACK, LookBack
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


def updated_from(moment: dt.datetime) -> str:
    """A moment as Workday writes `lastUpdated` (UTC, `Z`), for `updatedFrom`."""
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


class WorkerStream:
    """Workers as canonical `Resource` records (see the module docs)."""

    def __init__(
        self,
        name: str,
        session: WorkdaySession,
        mapping: WorkerMapping,
        page_size: int,
        look_back: dt.timedelta = DEFAULT_LOOK_BACK,
    ) -> None:
        self._name = name
        self._look_back = look_back
        self._session = session
        self.mapping = mapping
        self._page_size = page_size

    @property
    def name(self) -> str:
        return self._name

    def read(self, cursor: Cursor | None, limit: int) -> Page[CanonicalModel]:
        position = LookBack(cursor, self._look_back, dt.datetime.fromisoformat)
        start = position.start()
        params = {"updatedFrom": updated_from(start)} if start is not None else {}
        wanted = max(limit, 1)
        size = min(self._page_size, wanted + 1 + len(position.seen))
        chosen: list[dict[str, Any]] = []
        offset, more = 0, True
        while more and not chosen:
            query = {**params, "limit": size, "offset": offset}
            body = self._session.get("/workers", params=query).json()
            offset += size
            more = bool(body["data"]) and offset < int(body["total"])
            for worker in body["data"]:
                key, stamp = str(worker["id"]), str(worker["lastUpdated"])
                if position.delivered(key, stamp):
                    continue
                if len(chosen) == wanted:
                    more = True
                    break
                position.deliver(key, stamp)
                chosen.append(worker)
        if not chosen:
            return Page([], cursor, has_more=False)
        records, rejected = self._map(chosen)
        return Page(records, position.cursor(), more, rejected)

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
