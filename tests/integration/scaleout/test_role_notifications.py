"""The scaled-out hub sends the exception notifications from its leading scheduler:
with two schedulers and two workers running, a new critical exception and an SLA
breach reach a real SMTP server exactly once per recipient (escalation to the lead
included), and a standby scheduler that takes the lead over sends none of them again."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from accord.bootstrap import build_hub
from accord.connectors.sandbox.clock import SandboxClock
from accord.connectors.sandbox.landscape import Landscape
from accord.domain.exceptions import BusinessException, ExceptionKind
from accord.settings import Settings
from tests.integration.notifications.test_exception_notifications import Inbox, smtp
from tests.integration.scaleout.cluster import WAIT, Cluster, wait_until

__all__ = ["smtp"]
pytestmark = [pytest.mark.postgres, pytest.mark.nats, pytest.mark.slow]
NOW = dt.datetime(2026, 1, 20, 9, tzinfo=dt.UTC)
"""The sandbox's frozen clock, the hub's business clock under the sandbox."""


@pytest.fixture
def landscape(tmp_path: Path) -> Iterator[Landscape]:
    with Landscape(tmp_path / "sandbox", clock=SandboxClock(start=NOW)) as running:
        yield running


def _raise_exceptions(database_url: str, home: Path) -> tuple[int, int]:
    """A system down now (critical) and a posting refused two days ago (past its SLA)."""
    hub = build_hub(Settings(home=home, database_url=database_url))
    try:
        with hub.unit_of_work() as uow:
            down = BusinessException(ExceptionKind.SYSTEM_UNAVAILABLE, "erp", "ERP down")
            refused = BusinessException(ExceptionKind.POSTING_REJECTED, "INV-9", "refused")
            critical = uow.exceptions.raise_(down, {}, NOW)
            late = uow.exceptions.raise_(refused, {}, NOW - dt.timedelta(days=2))
            uow.commit()
    finally:
        hub.close()
    return critical, late


def test_only_the_leading_scheduler_notifies_and_a_takeover_sends_nothing_twice(
    tmp_path: Path,
    postgres_url: str,
    nats_url: str,
    landscape: Landscape,
    smtp: tuple[Inbox, int],
) -> None:
    inbox, port = smtp
    inbox.mails.clear()
    env = {
        "ACCORD_SMTP_HOST": "127.0.0.1",
        "ACCORD_SMTP_PORT": str(port),
        "ACCORD_NOTIFY_INTEGRATION": "integration@firm.test",
        "ACCORD_NOTIFY_FINANCE": "finance@firm.test",
        "ACCORD_ESCALATE_FINANCE": "cfo@firm.test",
    }
    critical, late = _raise_exceptions(postgres_url, tmp_path / "setup")
    cluster = Cluster(tmp_path, postgres_url, nats_url, landscape, env)
    expected = [
        (
            "cfo@firm.test",
            f"[Accord] Escalation: exception past its SLA {late}: posting_rejected INV-9",
        ),
        ("finance@firm.test", f"[Accord] Exception past its SLA {late}: posting_rejected INV-9"),
        (
            "integration@firm.test",
            f"[Accord] New critical exception {critical}: system_unavailable erp",
        ),
    ]
    try:
        cluster.start("scheduler", "scheduler-a")
        wait_until(lambda: cluster.logged("scheduler-a", "leading"), WAIT, "scheduler-a leading")
        for name in ("worker-a", "worker-b"):
            cluster.start("worker", name)
        cluster.start("scheduler", "scheduler-b")
        wait_until(lambda: len(inbox.mails) >= len(expected), WAIT, "the notifications")
        wait_until(lambda: cluster.logged("scheduler-b", "standing by"), WAIT, "the standby")
        time.sleep(5)  # the workers and the standby run on: none of them sends anything
        sent_by_the_leader = sorted(inbox.mails)

        cluster.kill("scheduler-a")
        wait_until(lambda: cluster.logged("scheduler-b", "leading"), WAIT, "scheduler-b leading")
        time.sleep(5)  # the new leader's first pass has run: the log says all was sent
        notified = cluster.rows(
            "SELECT exception_id, event, channel FROM exception_notifications ORDER BY 1, 2, 3"
        )
    finally:
        cluster.stop()

    assert sent_by_the_leader == expected
    assert sorted(inbox.mails) == expected
    assert [tuple(row) for row in notified] == [
        (critical, "critical_opened", "email"),
        (late, "escalated", "email"),
        (late, "sla_breached", "email"),
    ]
