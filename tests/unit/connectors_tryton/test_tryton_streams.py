"""Tryton's change streams: ordered by Tryton's own timestamp, ties and late commits
delivered once, without a server."""

from __future__ import annotations

import datetime as dt
from typing import Any

from accord.connectors.sdk import Cursor, read_all
from accord.connectors.tryton.streams import LOOK_BACK, TrytonChangeStream

NOON = dt.datetime(2026, 12, 3, 12, 0, 0)


class FakeRpc:
    """Answers search_read over rows, honouring a ``>=`` clause on the stamp and the limit."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(self, row_id: int, stamp: dt.datetime) -> None:
        self.rows.append({"id": row_id, "write_date": stamp})

    def model(self, model: str, method: str, domain: list[Any], offset: int, limit: int,
              order: Any, fields: list[str]) -> list[dict[str, Any]]:  # fmt: skip
        rows = sorted(self.rows, key=lambda row: (row["write_date"], row["id"]))
        for clause in domain:
            if clause[0] == "write_date":
                rows = [row for row in rows if row["write_date"] >= clause[2]]
        return rows[offset : offset + limit]


def _stream(rpc: FakeRpc) -> TrytonChangeStream:
    return TrytonChangeStream(
        "documents", rpc, "account.invoice", [], "write_date", [],
        lambda rows: [f"{row['id']}@{row['write_date']:%H:%M:%S}" for row in rows],
    )  # fmt: skip


def _drain(stream: TrytonChangeStream, cursor: Cursor | None) -> tuple[list[str], Cursor | None]:
    delivered: list[str] = []
    for page in read_all(stream, cursor, 2):
        delivered.extend(page.records)
        cursor = page.next_cursor or cursor
    return delivered, cursor


def test_records_sharing_a_stamp_are_each_delivered_once_across_pages() -> None:
    rpc = FakeRpc()
    for row_id in (1, 2, 3, 4, 5):
        rpc.add(row_id, NOON)

    delivered, cursor = _drain(_stream(rpc), None)
    again, _ = _drain(_stream(rpc), cursor)

    assert delivered == [f"{n}@12:00:00" for n in (1, 2, 3, 4, 5)]
    assert again == []


def test_a_late_commit_with_an_earlier_stamp_is_not_lost() -> None:
    rpc = FakeRpc()
    rpc.add(1, NOON)
    rpc.add(3, NOON + dt.timedelta(seconds=5))
    delivered, cursor = _drain(_stream(rpc), None)

    rpc.add(2, NOON + dt.timedelta(seconds=1))  # its transaction started earlier
    late, cursor = _drain(_stream(rpc), cursor)
    rpc.add(3, NOON + dt.timedelta(seconds=9))  # changed again: a new version
    changed, _ = _drain(_stream(rpc), cursor)

    assert delivered == ["1@12:00:00", "3@12:00:05"]
    assert late == ["2@12:00:01"]
    assert changed == ["3@12:00:09"]


def test_the_cursor_forgets_deliveries_older_than_the_look_back() -> None:
    rpc = FakeRpc()
    rpc.add(1, NOON)
    _, cursor = _drain(_stream(rpc), None)
    rpc.add(2, NOON + LOOK_BACK + dt.timedelta(minutes=1))

    delivered, cursor = _drain(_stream(rpc), cursor)

    assert delivered == ["2@12:16:00"]
    assert cursor is not None and '"1@' not in cursor
