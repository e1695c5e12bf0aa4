"""Who is told about an exception, and when: the decisions behind notifications.

A new critical exception is announced to its owner team at once; an exception still open
past its SLA is announced to the team (breach) and escalated to the team's lead; an
exception whose criticality class does not alert (reporting, by default) is announced
to no one. Each
event is sent once per exception and channel: what was sent is passed in, so deciding
again (a second tick, a restart) never repeats a message.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from accord.domain.exceptions import ExceptionStatus, OwnerRole, Severity


class NotificationEvent(StrEnum):
    CRITICAL_OPENED = "critical_opened"
    SLA_BREACHED = "sla_breached"
    ESCALATED = "escalated"


class Channel(StrEnum):
    EMAIL = "email"
    WEBHOOK = "webhook"


@dataclass(frozen=True, slots=True)
class Watched:
    """The facts about one exception that notifications depend on."""

    id: int
    owner: OwnerRole
    severity: str
    status: ExceptionStatus
    sla_due: datetime
    alert: bool = True
    """Whether its criticality class notifies people at all (`domain.criticality`)."""


@dataclass(frozen=True, slots=True)
class Recipients:
    """Where messages go: the team's address per owner role, its lead's for escalation,
    and whether a webhook receives every event."""

    team: Mapping[OwnerRole, str]
    lead: Mapping[OwnerRole, str]
    webhook: bool = False


@dataclass(frozen=True, slots=True)
class Notification:
    exception_id: int
    event: NotificationEvent
    channel: Channel
    recipient: str


def events_due(watched: Watched, now: datetime) -> tuple[NotificationEvent, ...]:
    """The events an exception has reached by `now` (sent or not)."""
    if watched.status is not ExceptionStatus.OPEN or not watched.alert:
        return ()
    due: list[NotificationEvent] = []
    if watched.severity == Severity.CRITICAL:
        due.append(NotificationEvent.CRITICAL_OPENED)
    if now >= watched.sla_due:
        due += [NotificationEvent.SLA_BREACHED, NotificationEvent.ESCALATED]
    return tuple(due)


def _recipient(
    event: NotificationEvent, channel: Channel, owner: OwnerRole, to: Recipients
) -> str | None:
    if channel is Channel.WEBHOOK:
        return "webhook" if to.webhook else None
    book = to.lead if event is NotificationEvent.ESCALATED else to.team
    return book.get(owner)


def notifications_due(
    watched: Watched,
    now: datetime,
    to: Recipients,
    sent: Collection[tuple[NotificationEvent, Channel]],
) -> list[Notification]:
    """What to send about `watched` now: each due event on each configured channel,
    except those in `sent` (already delivered or claimed)."""
    due = []
    for event in events_due(watched, now):
        for channel in Channel:
            recipient = _recipient(event, channel, watched.owner, to)
            if recipient is not None and (event, channel) not in sent:
                due.append(Notification(watched.id, event, channel, recipient))
    return due
