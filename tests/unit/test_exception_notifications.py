"""Who is told about an exception, when, and only once: the notification decisions and
the notifier on fakes (a second tick, a failed delivery, a closed exception)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from accord.application.exception_notifier import ExceptionNotifier, NotificationSettings
from accord.domain.criticality import ClassPolicy, Criticality, CriticalityClass, FlowKind
from accord.domain.exceptions import (
    BusinessException,
    ExceptionKind,
    ExceptionStatus,
    OwnerRole,
)
from accord.domain.notifications import (
    Channel,
    Notification,
    NotificationEvent,
    Recipients,
    Watched,
    events_due,
    notifications_due,
)
from tests.unit.reconciliation.fake_queue import FakeUnitOfWork, ScanCountingQueue

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TO = Recipients(
    team={OwnerRole.INTEGRATION: "integration@firm.test", OwnerRole.FINANCE: "fin@firm.test"},
    lead={OwnerRole.INTEGRATION: "cto@firm.test"},
    webhook=True,
)


def _watched(
    severity: str, due: datetime, status: ExceptionStatus = ExceptionStatus.OPEN
) -> Watched:
    return Watched(7, OwnerRole.INTEGRATION, severity, status, due)


def test_a_critical_exception_is_announced_at_once_and_a_breach_escalates() -> None:
    fresh = _watched("critical", T0 + timedelta(hours=4))
    late = _watched("medium", T0 - timedelta(minutes=1))

    assert events_due(fresh, T0) == (NotificationEvent.CRITICAL_OPENED,)
    assert events_due(late, T0) == (NotificationEvent.SLA_BREACHED, NotificationEvent.ESCALATED)
    assert events_due(_watched("high", T0 + timedelta(hours=1)), T0) == ()
    closed = _watched("critical", T0 - timedelta(days=1), ExceptionStatus.RESOLVED)
    assert events_due(closed, T0) == ()


def test_escalation_goes_to_the_lead_and_the_breach_to_the_team_on_each_channel() -> None:
    late = _watched("medium", T0)

    due = {(n.event, n.channel): n.recipient for n in notifications_due(late, T0, TO, ())}

    assert due == {
        (NotificationEvent.SLA_BREACHED, Channel.EMAIL): "integration@firm.test",
        (NotificationEvent.SLA_BREACHED, Channel.WEBHOOK): "webhook",
        (NotificationEvent.ESCALATED, Channel.EMAIL): "cto@firm.test",
        (NotificationEvent.ESCALATED, Channel.WEBHOOK): "webhook",
    }


def test_what_was_sent_is_not_due_again_and_an_unconfigured_channel_is_skipped() -> None:
    late = _watched("medium", T0)
    sent = {(NotificationEvent.SLA_BREACHED, Channel.EMAIL)}
    mail_only = Recipients(team={}, lead={OwnerRole.INTEGRATION: "cto@firm.test"})

    left = notifications_due(late, T0, mail_only, sent)

    assert [(n.event, n.channel) for n in left] == [(NotificationEvent.ESCALATED, Channel.EMAIL)]


class FakeNotificationLog:
    def __init__(self) -> None:
        self.claims: dict[tuple[int, str, str], datetime] = {}

    def sent(self, exception_ids: Collection[int]) -> Mapping[int, set[tuple[str, str]]]:
        found: dict[int, set[tuple[str, str]]] = {}
        for exception_id, event, channel in self.claims:
            if exception_id in exception_ids:
                found.setdefault(exception_id, set()).add((event, channel))
        return found

    def claim(self, notification: Notification, at: datetime) -> bool:
        key = (notification.exception_id, notification.event.value, notification.channel.value)
        if key in self.claims:
            return False
        self.claims[key] = at
        return True

    def release(self, notification: Notification) -> None:
        key = (notification.exception_id, notification.event.value, notification.channel.value)
        del self.claims[key]


class FakeMailer:
    def __init__(self, failures: int = 0) -> None:
        self.sent: list[tuple[str, str]] = []
        self.failures = failures

    def send(self, to: str, subject: str, body: str) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionRefusedError("relay down")
        self.sent.append((to, subject))


class FakeWebhook:
    def __init__(self) -> None:
        self.posted: list[bytes] = []

    def post(self, body: bytes) -> None:
        self.posted.append(body)


def _notifier(
    queue: ScanCountingQueue, now: list[datetime], mailer: FakeMailer, log: FakeNotificationLog
) -> tuple[ExceptionNotifier, FakeWebhook]:
    webhook = FakeWebhook()
    notifier = ExceptionNotifier(
        lambda: FakeUnitOfWork(queue),  # type: ignore[arg-type, return-value]
        log,
        TO,
        mailer=mailer,
        webhook=webhook,
        clock=lambda: now[0],
    )
    return notifier, webhook


def test_the_notifier_sends_each_message_once_over_ticks_and_retries_a_failed_one() -> None:
    queue = ScanCountingQueue()
    down = BusinessException(ExceptionKind.SYSTEM_UNAVAILABLE, "erp", "ERP down")
    queue.raise_(down, {}, T0)
    queue.records[1] = replace(queue.records[1], sla_due=T0 + timedelta(hours=4))
    now = [T0]
    mailer, log = FakeMailer(failures=1), FakeNotificationLog()
    notifier, webhook = _notifier(queue, now, mailer, log)

    first = notifier.tick()  # the mail relay refuses once: the webhook goes, the mail waits
    second = notifier.tick()
    third = notifier.tick()
    now[0] = T0 + timedelta(hours=5)
    breach = notifier.tick()
    again = notifier.tick()

    assert [n.channel for n in first] == [Channel.WEBHOOK]
    assert [n.channel for n in second] == [Channel.EMAIL] and third == []
    assert {(n.event, n.channel) for n in breach} == {
        (e, c)
        for e in (NotificationEvent.SLA_BREACHED, NotificationEvent.ESCALATED)
        for c in Channel
    }
    assert again == []
    assert [to for to, _ in mailer.sent] == [
        "integration@firm.test",
        "integration@firm.test",
        "cto@firm.test",
    ]
    assert len(webhook.posted) == 3
    notified = [e for e in queue.records[1].history if e["action"] == "notified"]
    assert len(notified) == 6


def test_settings_read_recipients_per_role_and_refuse_an_unsigned_webhook() -> None:
    env = {
        "ACCORD_SMTP_HOST": "localhost",
        "ACCORD_SMTP_PORT": "2525",
        "ACCORD_NOTIFY_FINANCE": "fin@firm.test",
        "ACCORD_ESCALATE_FINANCE": "cfo@firm.test",
    }
    settings = NotificationSettings.from_env(env)

    assert settings.smtp_port == 2525
    assert settings.recipients().team == {OwnerRole.FINANCE: "fin@firm.test"}
    assert settings.recipients().lead == {OwnerRole.FINANCE: "cfo@firm.test"}
    assert NotificationSettings.from_env({"ACCORD_NOTIFY_FINANCE": "x"}).recipients().team == {}
    with pytest.raises(ValueError, match="ACCORD_NOTIFY_WEBHOOK_SECRET"):
        NotificationSettings.from_env({"ACCORD_NOTIFY_WEBHOOK_URL": "http://hook.test"})
    with pytest.raises(ValueError, match="ACCORD_SMTP_PORT"):
        NotificationSettings.from_env({"ACCORD_SMTP_PORT": "smtp"})


def test_criticality_classes_silence_low_flows_and_bring_a_critical_sla_forward() -> None:
    queue = ScanCountingQueue()
    finding = BusinessException(ExceptionKind.RECONCILIATION_DISCREPANCY, "inv-1", "differs")
    rejected = BusinessException(ExceptionKind.POSTING_REJECTED, "INV-1", "refused")
    queue.raise_(finding, {}, T0)
    queue.raise_(rejected, {"workflow_id": "post:INV-1"}, T0)
    for key in (1, 2):
        queue.records[key] = replace(
            queue.records[key], created_at=T0, sla_due=T0 + timedelta(days=1)
        )
    classes = Criticality(
        flows={
            FlowKind.REPORTING: CriticalityClass.LOW,
            FlowKind.INVOICE_POSTING: CriticalityClass.CRITICAL,
        },
        classes={
            CriticalityClass.LOW: ClassPolicy(alert=False),
            CriticalityClass.CRITICAL: ClassPolicy(sla=timedelta(hours=4)),
        },
    )
    now = [T0 + timedelta(hours=25)]
    notifier = ExceptionNotifier(
        lambda: FakeUnitOfWork(queue),  # type: ignore[arg-type, return-value]
        FakeNotificationLog(),
        TO,
        mailer=FakeMailer(),
        webhook=FakeWebhook(),
        clock=lambda: now[0],
        criticality=classes,
    )

    sent = notifier.tick()

    assert {n.exception_id for n in sent} == {2}
    assert {n.event for n in sent} == {NotificationEvent.SLA_BREACHED, NotificationEvent.ESCALATED}


def test_escalation_counts_from_the_stored_sla_due_which_a_class_set_at_opening() -> None:
    queue = ScanCountingQueue()
    rejected = BusinessException(ExceptionKind.POSTING_REJECTED, "INV-1", "refused")
    queue.raise_(rejected, {"workflow_id": "post:INV-1"}, T0)
    stored = T0 + timedelta(hours=4)  # the class's SLA, a day shorter than the kind's
    queue.records[1] = replace(queue.records[1], created_at=T0, sla_due=stored)
    now = [stored - timedelta(minutes=1)]
    notifier = ExceptionNotifier(
        lambda: FakeUnitOfWork(queue),  # type: ignore[arg-type, return-value]
        FakeNotificationLog(),
        TO,
        mailer=FakeMailer(),
        webhook=FakeWebhook(),
        clock=lambda: now[0],
    )

    before = notifier.tick()
    now[0] = stored + timedelta(minutes=1)
    after = notifier.tick()

    assert before == []
    assert {n.event for n in after} == {NotificationEvent.SLA_BREACHED, NotificationEvent.ESCALATED}
