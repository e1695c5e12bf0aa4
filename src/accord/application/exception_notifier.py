"""Notifications about exceptions: new critical ones, SLA breaches and escalations, by
e-mail and a signed webhook, each sent once per exception, event and channel.

A notification is claimed in the log (committed) before it is sent and released when
sending fails, so a second tick or a restarted hub never sends it again and a failed
delivery is tried on the next tick. A crash between sending and the end of the tick
leaves the claim: at most once, never twice.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from accord.application.clock import Clock, utc_now
from accord.application.ports import ExceptionRecord
from accord.application.unit_of_work import UnitOfWorkFactory
from accord.domain.criticality import Criticality
from accord.domain.exceptions import ExceptionStatus, OwnerRole
from accord.domain.notifications import (
    Channel,
    Notification,
    NotificationEvent,
    Recipients,
    Watched,
    notifications_due,
)


class NotificationLog(Protocol):
    """What was sent: the claim that keeps a notification from being sent twice."""

    def sent(self, exception_ids: Collection[int]) -> Mapping[int, set[tuple[str, str]]]:
        """(event, channel) pairs claimed per exception."""

    def claim(self, notification: Notification, at: datetime) -> bool:
        """Record it (committed); False when it was claimed before."""

    def release(self, notification: Notification) -> None:
        """Forget a claim whose delivery failed, so the next tick tries again."""


class Mailer(Protocol):
    def send(self, to: str, subject: str, body: str) -> None: ...


class WebhookPoster(Protocol):
    def post(self, body: bytes) -> None: ...


@dataclass(frozen=True, slots=True)
class NotificationSettings:
    """From the environment (see docs/exceptions.md, "Notifications")."""

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "accord@localhost"
    team: Mapping[OwnerRole, str] = field(default_factory=dict)
    lead: Mapping[OwnerRole, str] = field(default_factory=dict)
    webhook_url: str | None = None
    webhook_secret: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> NotificationSettings:
        def per_role(prefix: str) -> dict[OwnerRole, str]:
            found = {role: env.get(f"{prefix}{role.value.upper()}", "") for role in OwnerRole}
            return {role: value.strip() for role, value in found.items() if value.strip()}

        port = env.get("ACCORD_SMTP_PORT", "25")
        if not port.isdigit():
            raise ValueError(f"ACCORD_SMTP_PORT must be a port number, not {port!r}")
        url = env.get("ACCORD_NOTIFY_WEBHOOK_URL") or None
        secret = env.get("ACCORD_NOTIFY_WEBHOOK_SECRET") or None
        if url and not secret:
            raise ValueError(
                "ACCORD_NOTIFY_WEBHOOK_URL needs ACCORD_NOTIFY_WEBHOOK_SECRET to sign with"
            )
        return cls(
            smtp_host=env.get("ACCORD_SMTP_HOST") or None,
            smtp_port=int(port),
            smtp_from=env.get("ACCORD_SMTP_FROM") or "accord@localhost",
            team=per_role("ACCORD_NOTIFY_"),
            lead=per_role("ACCORD_ESCALATE_"),
            webhook_url=url,
            webhook_secret=secret,
        )

    def recipients(self) -> Recipients:
        mail = self.smtp_host is not None
        return Recipients(
            team=self.team if mail else {},
            lead=self.lead if mail else {},
            webhook=self.webhook_url is not None,
        )


_SUBJECTS = {
    NotificationEvent.CRITICAL_OPENED: "New critical exception",
    NotificationEvent.SLA_BREACHED: "Exception past its SLA",
    NotificationEvent.ESCALATED: "Escalation: exception past its SLA",
}


def _watched(record: ExceptionRecord, classes: Criticality | None) -> Watched:
    """The facts notifications decide on; with criticality classes, the record's class
    decides whether it alerts and may bring its SLA forward."""
    if classes is None:
        return Watched(record.id, record.owner, record.severity, record.status, record.sla_due)
    flow = record.details.get("workflow_id")
    due = classes.sla_due(record.kind, record.created_at, record.sla_due, flow)
    alert = classes.alerts(record.kind, flow)
    return Watched(record.id, record.owner, record.severity, record.status, due, alert)


def message(record: ExceptionRecord, event: NotificationEvent) -> tuple[str, str]:
    """The e-mail subject and body for `event` about `record`."""
    subject = f"[Accord] {_SUBJECTS[event]} {record.id}: {record.kind} {record.subject}"
    body = (
        f"{_SUBJECTS[event]}.\n\n"
        f"Exception {record.id} ({record.kind}, {record.severity}) about {record.subject}\n"
        f"Owner: {record.owner}; assigned to: {record.assignee or 'nobody'}\n"
        f"SLA due: {record.sla_due.isoformat()}\n\n{record.message}\n\n"
        f"Work it with `accord exceptions list` or on the dashboard's exceptions page.\n"
    )
    return subject, body


def webhook_document(record: ExceptionRecord, event: NotificationEvent, at: datetime) -> bytes:
    document = {
        "event": event.value,
        "at": at.isoformat(),
        "exception": {
            "id": record.id,
            "kind": record.kind.value,
            "owner": record.owner.value,
            "severity": record.severity,
            "subject": record.subject,
            "message": record.message,
            "sla_due": record.sla_due.isoformat(),
            "assignee": record.assignee,
            "tags": list(record.tags),
        },
    }
    return json.dumps(document, sort_keys=True).encode()


class ExceptionNotifier:
    """One `tick` looks at the open exceptions and sends what is due and not yet sent."""

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        log: NotificationLog,
        recipients: Recipients,
        mailer: Mailer | None = None,
        webhook: WebhookPoster | None = None,
        clock: Clock = utc_now,
        criticality: Criticality | None = None,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._criticality = criticality
        self._log = log
        self._recipients = recipients
        self._mailer = mailer
        self._webhook = webhook
        self._clock = clock

    @property
    def configured(self) -> bool:
        """Whether any channel has a recipient (without one, a tick reads nothing)."""
        to = self._recipients
        return bool(to.team or to.lead or to.webhook)

    def tick(self) -> list[Notification]:
        """Send every notification due now; returns those sent."""
        if not self.configured:
            return []
        now = self._clock()
        with self._unit_of_work() as uow:
            records = uow.exceptions.list(status=ExceptionStatus.OPEN)
        watched = [
            r for r in records if notifications_due(self._watch(r), now, self._recipients, ())
        ]
        sent = self._log.sent([r.id for r in watched])
        delivered = []
        for record in watched:
            already = {(NotificationEvent(e), Channel(c)) for e, c in sent.get(record.id, set())}
            due = notifications_due(self._watch(record), now, self._recipients, already)
            for notification in due:
                if self._deliver(record, notification, now):
                    delivered.append(notification)
        return delivered

    def _watch(self, record: ExceptionRecord) -> Watched:
        return _watched(record, self._criticality)

    def _deliver(self, record: ExceptionRecord, notification: Notification, now: datetime) -> bool:
        if not self._log.claim(notification, now):
            return False
        try:
            if notification.channel is Channel.EMAIL and self._mailer is not None:
                subject, body = message(record, notification.event)
                self._mailer.send(notification.recipient, subject, body)
            elif notification.channel is Channel.WEBHOOK and self._webhook is not None:
                self._webhook.post(webhook_document(record, notification.event, now))
            else:
                self._log.release(notification)
                return False
        except OSError:
            self._log.release(notification)
            return False
        self._record(notification, now)
        return True

    def _record(self, notification: Notification, now: datetime) -> None:
        """Keep the notification in the exception's history, next to what people did."""
        entry = {
            "action": "notified",
            "event": notification.event.value,
            "channel": notification.channel.value,
            "to": notification.recipient,
        }
        with self._unit_of_work() as uow:
            uow.exceptions.note(notification.exception_id, entry, now)
            uow.commit()
