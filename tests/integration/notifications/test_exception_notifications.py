"""Notifications against a real SMTP server (aiosmtpd) and a real webhook receiver: a
new critical exception and an SLA breach each produce exactly one message per channel
(the breach also one escalation to the lead), even when a restarted notifier ticks again."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from aiosmtpd.controller import Controller

from accord.application.webhooks import SIGNATURE_HEADER, verify_signature
from accord.bootstrap import build_hub
from accord.bootstrap.notifications import build_exception_notifier
from accord.domain.exceptions import BusinessException, ExceptionKind
from accord.settings import Settings

SECRET = "whsec-notify-3c1f"


class Inbox:
    def __init__(self) -> None:
        self.mails: list[tuple[str, str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mail = message_from_bytes(envelope.content)
        for to in envelope.rcpt_tos:
            self.mails.append((to, str(mail["Subject"])))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


class Receiver(BaseHTTPRequestHandler):
    deliveries: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        header = self.headers[SIGNATURE_HEADER]
        verify_signature(SECRET, header, body, datetime.now(UTC), timedelta(minutes=5))
        self.deliveries.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture(scope="module")
def webhook() -> Iterator[tuple[list[dict[str, Any]], int]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Receiver.deliveries, server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_critical_and_breached_exceptions_notify_once_per_channel(
    store: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    smtp: tuple[Inbox, int],
    webhook: tuple[list[dict[str, Any]], int],
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'accord.sqlite'}"
        if store == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    (inbox, smtp_port), (deliveries, hook_port) = smtp, webhook
    inbox.mails.clear()
    deliveries.clear()
    env = {
        "ACCORD_SMTP_HOST": "127.0.0.1",
        "ACCORD_SMTP_PORT": str(smtp_port),
        "ACCORD_SMTP_FROM": "accord@firm.test",
        "ACCORD_NOTIFY_INTEGRATION": "integration@firm.test",
        "ACCORD_NOTIFY_FINANCE": "finance@firm.test",
        "ACCORD_ESCALATE_FINANCE": "cfo@firm.test",
        "ACCORD_NOTIFY_WEBHOOK_URL": f"http://127.0.0.1:{hook_port}/accord",
        "ACCORD_NOTIFY_WEBHOOK_SECRET": SECRET,
    }
    now = datetime.now(UTC)
    hub = build_hub(Settings(home=tmp_path, database_url=url))
    try:
        with hub.unit_of_work() as uow:
            down = BusinessException(ExceptionKind.SYSTEM_UNAVAILABLE, "erp", "ERP down")
            rejected = BusinessException(ExceptionKind.POSTING_REJECTED, "INV-9", "refused")
            critical = uow.exceptions.raise_(down, {}, now)
            late = uow.exceptions.raise_(rejected, {}, now - timedelta(days=2))
            uow.commit()
        for _ in range(2):  # a tick, then a restarted notifier's tick: nothing twice
            build_exception_notifier(hub, env, clock=lambda: now).tick()
        history = next(r for r in hub.exceptions() if r.id == late).history
    finally:
        hub.close()

    assert sorted(inbox.mails) == [
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
    notified = [(e["event"], e["channel"], e["to"]) for e in history if e["action"] == "notified"]
    assert sorted(notified) == [
        ("escalated", "email", "cfo@firm.test"),
        ("escalated", "webhook", "webhook"),
        ("sla_breached", "email", "finance@firm.test"),
        ("sla_breached", "webhook", "webhook"),
    ]
    assert sorted((d["exception"]["id"], d["event"]) for d in deliveries) == [
        (critical, "critical_opened"),
        (late, "escalated"),
        (late, "sla_breached"),
    ]
