"""The growth bench's bulk-written history is the history the hub's own path writes.

The same small history (entries over a few contracts, invoiced through the last
historical month) is seeded twice on fresh stores: once through the hub (ingest, the
worker, billing catch-up, the invoice run) and once by `bench._bulk_history` in several
transactions. Both stores must hold the same rows, timestamps aside, and the measured
steps run on them next (a tick with new entries, the month-end run of one contract) must
issue the same invoice and leave the same billing rows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from bench import _bulk_history, _firm, _growth_step
from bench._growth_step import HISTORY_DAYS, HISTORY_FROM, HISTORY_THROUGH, PEOPLE

from accord.bootstrap import Hub
from tests.integration.wired_store import server_database

HISTORY = 900
CONTRACTS = 4

_COMPARED = {
    "inbound_events": "seq, source, event_id, type, subject, business_kind, business_key, "
    "business_version, status, reason, payload",
    "business_objects": "kind, key, version, data, source_seq, applied_seq",
    "outbox": "seq, event_id, type, subject, source, payload, published_at",
    "apply_sequence": "id, last_value",
    "worker_checkpoints": "worker, last_seq",
    "billing_checkpoint": "id, checkpoint",
}
"""Every table seeding writes, its columns but the times of day, in its key's order."""


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def two_stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hub.sqlite'}", f"sqlite:///{tmp_path / 'bulk.sqlite'}"
        return
    with server_database("postgresql") as hub_url, server_database("postgresql") as bulk_url:
        yield hub_url, bulk_url


def _entries() -> Iterator[Any]:
    return _firm.entries(HISTORY, CONTRACTS, PEOPLE, HISTORY_FROM, HISTORY_DAYS)


def _through_the_hub(hub: Hub) -> int:
    _firm.load(hub, _entries())
    hub.billing.catch_up()
    return len(hub.billing.run_invoices(HISTORY_THROUGH).documents)


def _seeded(url: str, home: Path, bulk: bool) -> Hub:
    home.mkdir()
    hub = _firm.open_hub(url, home)
    _firm.load(hub, _firm.master_data(CONTRACTS, PEOPLE))
    _firm.configure_tax(hub)
    if bulk:
        hub.billing.catch_up()
        issued = _bulk_history.seed(hub, _entries(), HISTORY_THROUGH)
    else:
        issued = _through_the_hub(hub)
    assert issued == CONTRACTS
    return hub


def _without_time(payload: str) -> dict[str, Any]:
    """The event, its time's digits blanked: the same format, another moment."""
    event = dict(json.loads(payload))
    event["time"] = re.sub(r"\d", "0", event["time"])
    return event


def _stored(hub: Hub) -> dict[str, list[Any]]:
    """Every row seeding wrote, as comparable values."""
    found: dict[str, list[Any]] = {}
    with hub.engine.connect() as conn:
        for table, columns in _COMPARED.items():
            rows = conn.exec_driver_sql(f"SELECT {columns} FROM {table} ORDER BY 1, 2").all()
            found[table] = [
                {k: _without_time(v) if k == "payload" else v for k, v in r._asdict().items()}
                for r in rows
            ]
        found["billing_rows"] = [
            tuple(r)
            for r in conn.execute(
                sa.text(
                    "SELECT part, contract, key, ref, data FROM billing_rows "
                    "ORDER BY part, contract, seq"
                )
            )
        ]
    return found


def _unvacuumed(hub: Hub) -> list[str]:
    """The tables seeding wrote in bulk that PostgreSQL has not vacuumed and analyzed
    since (none on SQLite): their dead rows would slow the measured look-ups."""
    if hub.engine.dialect.name != "postgresql":
        return []
    query = sa.text(
        "SELECT relname FROM pg_stat_user_tables WHERE relname IN :tables "
        "AND (last_vacuum IS NULL OR last_analyze IS NULL) ORDER BY relname"
    ).bindparams(sa.bindparam("tables", expanding=True))
    with hub.engine.connect() as conn:
        return list(conn.execute(query, {"tables": list(_bulk_history.VACUUM_ANALYZED)}).scalars())


def _next_month(hub: Hub) -> list[Any]:
    """The bench's measured steps, checked as the bench checks them: the new invoice."""
    for step in (_growth_step.tick, _growth_step.invoice):
        step(hub, HISTORY, CONTRACTS)()
    return list(hub.billing.documents())


def test_a_bulk_seeded_history_holds_the_rows_the_hubs_path_writes(
    two_stores: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_bulk_history, "BATCH", 400)  # three transactions of events
    hub_url, bulk_url = two_stores
    by_hub = _seeded(hub_url, tmp_path / "hub", bulk=False)
    by_bulk = _seeded(bulk_url, tmp_path / "bulk", bulk=True)
    try:
        seeded = _stored(by_hub)
        assert len(seeded["billing_rows"]) > 2 * HISTORY
        assert _stored(by_bulk) == seeded
        assert _unvacuumed(by_bulk) == []

        invoiced = _next_month(by_hub)
        assert _next_month(by_bulk) == invoiced
        assert invoiced[-1].contract == _growth_step.MEASURED
        assert _stored(by_bulk)["billing_rows"] == _stored(by_hub)["billing_rows"]
    finally:
        by_hub.close()
        by_bulk.close()
