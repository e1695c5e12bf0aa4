"""A criticality class's SLA is stored on the exception when it opens: the API's
`sla_due`, the SLA-breach metric and escalation (mail through a real SMTP server) all
count from it, while a class without its own SLA keeps the kind's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from accord.application.exception_service import ExceptionService
from accord.bootstrap import build_hub
from accord.bootstrap.notifications import build_exception_notifier
from accord.domain.criticality import ClassPolicy, Criticality, CriticalityClass
from accord.domain.exceptions import BusinessException, ExceptionKind
from accord.observability.metrics import ExceptionCollector
from accord.settings import Settings
from tests.integration.notifications.test_exception_notifications import Inbox, smtp

__all__ = ["smtp"]
OPENED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FOUR_HOURS = timedelta(hours=4)


def _breached(hub: object, now: datetime) -> dict[str, float]:
    collector = ExceptionCollector(lambda: hub.exceptions(), clock=lambda: now)  # type: ignore[attr-defined]
    family = next(m for m in collector.collect() if m.name == "accord_exceptions_sla_breached")
    return {s.labels["kind"]: s.value for s in family.samples if s.value}


def test_the_class_sla_is_stored_and_drives_the_breach_metric_and_escalation(
    tmp_path: Path, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    inbox.mails.clear()
    classes = Criticality(classes={CriticalityClass.CRITICAL: ClassPolicy(sla=FOUR_HOURS)})
    hub = build_hub(
        Settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'accord.sqlite'}"),
        criticality=classes,
    )
    try:
        queue = ExceptionService(hub.unit_of_work, lambda: OPENED)
        refused = BusinessException(ExceptionKind.POSTING_REJECTED, "INV-1", "refused")
        finding = BusinessException(ExceptionKind.RECONCILIATION_DISCREPANCY, "inv-2", "differs")
        posting = queue.open(refused, {"workflow_id": "post:INV-1", "system": "erp"})
        reporting = queue.open(finding, {})
        due = {record.id: record.sla_due for record in hub.exceptions()}
        five_hours_on = OPENED + timedelta(hours=5)
        env = {
            "ACCORD_SMTP_HOST": "127.0.0.1",
            "ACCORD_SMTP_PORT": str(port),
            "ACCORD_NOTIFY_FINANCE": "finance@firm.test",
            "ACCORD_ESCALATE_FINANCE": "cfo@firm.test",
        }
        build_exception_notifier(hub, env, clock=lambda: five_hours_on).tick()
        breached = _breached(hub, five_hours_on)
    finally:
        hub.close()

    assert due == {posting: OPENED + FOUR_HOURS, reporting: OPENED + timedelta(days=2)}
    assert breached == {"posting_rejected": 1.0}
    assert sorted(inbox.mails) == [
        (
            "cfo@firm.test",
            f"[Accord] Escalation: exception past its SLA {posting}: posting_rejected INV-1",
        ),
        ("finance@firm.test", f"[Accord] Exception past its SLA {posting}: posting_rejected INV-1"),
    ]
