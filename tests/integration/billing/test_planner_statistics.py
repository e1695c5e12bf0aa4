"""On PostgreSQL the billing rows' look-ups by a list of ids stay index look-ups as the
rows grow through the store's own saves: the saves gather the planner's statistics, so
the plan looks up each id in the index instead of reading every row of the part and
filtering the ids one by one (what PostgreSQL does on a table it never analyzed)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from accord.adapters.billing_store import SqlAlchemyBillingStateStore
from accord.application.billing import BillingBook
from accord.domain.billing.state import approve_time
from tests.integration.wired_store import migrated_store
from tests.unit.billing.builders import entry, make_state

pytestmark = pytest.mark.postgres

BATCHES = 5
PER_BATCH = 2_000


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    with migrated_store(postgres_url) as engine:
        yield engine


def _grow(store: SqlAlchemyBillingStateStore) -> None:
    """What a bulk catch-up does: several saves, each adding a batch of time entries."""
    book = BillingBook(make_state())
    store.save(book, 0)
    for batch in range(BATCHES):
        entries = [
            replace(entry(f"T{batch}-{n:05d}", 1 + n % 28, "1"), version=1)
            for n in range(PER_BATCH)
        ]
        grown = replace(book, state=approve_time(book.state, entries))
        store.save(grown, batch + 1, book)
        book = grown


def _statement_of(engine: Engine, call: Callable[[], object]) -> tuple[str, Any]:
    """The last SELECT on billing_rows that `call` issued, with its parameters."""
    seen: list[tuple[str, Any]] = []

    def note(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "billing_rows" in statement:
            seen.append((statement, params))

    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        call()
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
    return seen[-1]


def _plan_nodes(engine: Engine, statement: str, params: Any) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(f"EXPLAIN (FORMAT JSON) {statement}", params)
        plan = cursor.fetchone()[0]
        cursor.close()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    nodes, pending = [], [plan[0]["Plan"]]
    while pending:
        node = pending.pop()
        nodes.append(node)
        pending += node.get("Plans", [])
    return nodes


def test_looking_up_entries_by_id_uses_the_ids_in_the_index(engine: Engine) -> None:
    store = SqlAlchemyBillingStateStore(engine)
    _grow(store)
    wanted = [f"NEW-{n:03d}" for n in range(100)] + ["T4-00007"]

    assert store.holders(wanted) == {"T4-00007": "K1"}
    nodes = _plan_nodes(engine, *_statement_of(engine, lambda: store.holders(wanted)))
    conditions = " ".join(n.get("Index Cond", "") for n in nodes)
    filters = " ".join(n.get("Filter", "") for n in nodes)
    assert "ref" in conditions, nodes
    assert "ref" not in filters, nodes
