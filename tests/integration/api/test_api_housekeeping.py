"""The hub process purges on a schedule: expired idempotency keys, replay records of
webhook signatures and dashboard sessions go, fresh ones stay; the retention purge runs
too, audited."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from accord.adapters.audit_anchor_file import JsonLinesAnchorFile
from accord.adapters.governance import build_sql_governance
from accord.adapters.governance_tables import (
    dashboard_sessions,
    idempotency_keys,
    webhook_signatures,
)
from accord.application.audit_anchor import Anchoring, AnchorKey
from accord.application.governance import GovernanceSettings
from accord.application.housekeeping import SCHEDULER_ACTOR, Housekeeping
from accord.application.security import Principal, Role
from accord.loops.hub_process import HubProcess, Intervals
from tests.integration.api.conftest import ApiWorld


class IdleRelay:
    def run_forever(self, stop: threading.Event) -> None:
        stop.wait()


class IdleScheduler:
    def tick(self, stopping: Callable[[], bool] | None = None) -> None: ...

    def waiting_flows(self) -> dict[int, str]:
        return {}

    def nudge(self, flows: list[str]) -> list[str]:
        return flows


def _count(world: ApiWorld, table: sa.Table) -> int:
    with world.hub.engine.connect() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def _seed(world: ApiWorld, now: datetime) -> None:
    governance, old = world.governance, now - timedelta(days=3)
    for key, at in (("old", old), ("fresh", now)):
        governance.idempotency.claim("key:abc", key, "f" * 64, at)
        governance.replay_guard.first_seen("psa", f"sig-{key}", at)
    viewer = Principal("ada", frozenset({Role.VIEWER}), "oidc")
    live = governance.sessions.open(viewer)
    gone = governance.sessions.open(viewer)
    with world.hub.engine.begin() as connection:
        connection.execute(
            sa.update(dashboard_sessions)
            .where(dashboard_sessions.c.id_sha256 == gone.record.id_sha256)
            .values(expires_at=now - timedelta(minutes=1))
        )
    assert live.record.expires_at > now


def _hub_process(world: ApiWorld) -> HubProcess:
    clock: Any = lambda: datetime.now(UTC)  # noqa: E731
    process = HubProcess(
        IdleRelay(),  # type: ignore[arg-type]
        IdleScheduler(),  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        clock,
        Intervals(tick=0.05, retry=3600, reconcile=3600, purge_expired=0.2, purge_retained=0.2),
        housekeeping=Housekeeping(world.governance),
    )
    process.last_billed = (datetime.now(UTC).replace(day=1) - timedelta(days=1)).date()
    return process


def test_the_hub_process_purges_expired_request_guards_and_sessions(world: ApiWorld) -> None:
    _seed(world, datetime.now(UTC))
    assert (_count(world, idempotency_keys), _count(world, webhook_signatures)) == (2, 2)
    assert _count(world, dashboard_sessions) == 2

    process = _hub_process(world)
    process.start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and _count(world, dashboard_sessions) > 1:
            time.sleep(0.1)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(
            row.action == "retention.purged" for row in world.governance.audit.records()
        ):
            time.sleep(0.1)
    finally:
        process.stop()

    with world.hub.engine.connect() as connection:
        keys = set(connection.execute(sa.select(idempotency_keys.c.key)).scalars())
        signatures = set(connection.execute(sa.select(webhook_signatures.c.signature)).scalars())
    assert keys == {"fresh"} and signatures == {"sig-fresh"}
    assert _count(world, dashboard_sessions) == 1
    purges = [r for r in world.governance.audit.records() if r.action == "retention.purged"]
    assert purges and purges[0].actor == SCHEDULER_ACTOR
    assert world.governance.audit.verify().ok


def test_the_hub_process_anchors_the_audit_head_outside_the_database(
    world: ApiWorld, tmp_path: Path
) -> None:
    anchors = JsonLinesAnchorFile(tmp_path / "anchors" / "audit-anchors.jsonl")
    anchoring = Anchoring(AnchorKey(b"k" * 32), anchors)
    governance = build_sql_governance(world.hub.engine, GovernanceSettings(), anchoring=anchoring)
    governance.audit.record("cli:operator", "api_key.created", "api_key:x", correlation_id="c")
    process = HubProcess(
        IdleRelay(),  # type: ignore[arg-type]
        IdleScheduler(),  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        lambda: datetime.now(UTC),
        Intervals(tick=0.05, retry=3600, reconcile=3600),
        housekeeping=Housekeeping(governance),
    )
    process.last_billed = (datetime.now(UTC).replace(day=1) - timedelta(days=1)).date()

    process.run_once()  # the first tick anchors at once, then hourly

    head = governance.audit.records()[-1]
    assert [(a.seq, a.hash) for a in anchors.all()] == [(head.seq, head.hash)]
    verified = governance.audit.verify()
    assert verified.ok and verified.anchored_through == head.seq
