"""Notification channels: SMTP e-mail (stdlib smtplib), a signed outbound webhook
(HMAC-SHA256 as `accord.application.webhooks.sign`), and the SQL log of what was sent."""

from __future__ import annotations

import smtplib
import time
from collections.abc import Collection, Mapping
from datetime import datetime
from email.message import EmailMessage

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from accord.adapters.tables import exception_notifications
from accord.application.webhooks import SIGNATURE_HEADER, sign
from accord.domain.notifications import Notification

_n = exception_notifications.c


class SqlNotificationLog:
    """`NotificationLog` on the store: a claim is a committed row keyed by exception,
    event and channel, so two ticks (or two processes) cannot both claim it."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def sent(self, exception_ids: Collection[int]) -> Mapping[int, set[tuple[str, str]]]:
        found: dict[int, set[tuple[str, str]]] = {}
        ids = list(exception_ids)
        with self._engine.connect() as connection:
            for start in range(0, len(ids), 500):
                query = sa.select(_n.exception_id, _n.event, _n.channel).where(
                    _n.exception_id.in_(ids[start : start + 500])
                )
                for row in connection.execute(query):
                    found.setdefault(row.exception_id, set()).add((row.event, row.channel))
        return found

    def claim(self, notification: Notification, at: datetime) -> bool:
        row = {
            "exception_id": notification.exception_id,
            "event": notification.event.value,
            "channel": notification.channel.value,
            "recipient": notification.recipient,
            "sent_at": at,
        }
        try:
            with self._engine.begin() as connection:
                connection.execute(sa.insert(exception_notifications).values(**row))
        except sa.exc.IntegrityError:
            return False
        return True

    def release(self, notification: Notification) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                sa.delete(exception_notifications).where(
                    _n.exception_id == notification.exception_id,
                    _n.event == notification.event.value,
                    _n.channel == notification.channel.value,
                )
            )


class SmtpMailer:
    """Sends plain-text mail through an SMTP relay (no authentication: a local relay)."""

    def __init__(self, host: str, port: int, sender: str, timeout: float = 30.0) -> None:
        self._host = host
        self._port = port
        self._sender = sender
        self._timeout = timeout

    def send(self, to: str, subject: str, body: str) -> None:
        mail = EmailMessage()
        mail["From"] = self._sender
        mail["To"] = to
        mail["Subject"] = subject
        mail.set_content(body)
        with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
            smtp.send_message(mail)


class SignedWebhookPoster:
    """POSTs JSON to one URL, signed with `Accord-Signature: t=<unix>,v1=<HMAC>`; a
    failure (network, non-2xx answer) is a ConnectionError, so the notifier retries."""

    def __init__(self, url: str, secret: str, timeout: float = 30.0) -> None:
        self._url = url
        self._secret = secret
        self._timeout = timeout

    def post(self, body: bytes) -> None:
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(self._secret, body, int(time.time())),
        }
        try:
            answer = httpx.post(self._url, content=body, headers=headers, timeout=self._timeout)
        except httpx.HTTPError as error:
            raise ConnectionError(f"webhook {self._url}: {error}") from error
        if not answer.is_success:
            raise ConnectionError(f"webhook {self._url} answered HTTP {answer.status_code}")
