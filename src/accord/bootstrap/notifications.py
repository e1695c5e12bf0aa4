"""Wires the exception notifier: the SQL notification log and the channels the
environment configures (SMTP relay, signed webhook)."""

from __future__ import annotations

from collections.abc import Mapping

from accord.adapters.notifications import SignedWebhookPoster, SmtpMailer, SqlNotificationLog
from accord.application.clock import Clock, utc_now
from accord.application.exception_notifier import ExceptionNotifier, NotificationSettings
from accord.bootstrap.core import Hub


def build_exception_notifier(
    hub: Hub, env: Mapping[str, str], clock: Clock = utc_now
) -> ExceptionNotifier:
    """The notifier for `hub`, with the channels `env` configures (ValueError names a
    setting that is wrong); with none configured it sends nothing."""
    settings = NotificationSettings.from_env(env)
    mailer = (
        SmtpMailer(settings.smtp_host, settings.smtp_port, settings.smtp_from)
        if settings.smtp_host
        else None
    )
    webhook = (
        SignedWebhookPoster(settings.webhook_url, settings.webhook_secret)
        if settings.webhook_url and settings.webhook_secret
        else None
    )
    return ExceptionNotifier(
        hub.unit_of_work,
        SqlNotificationLog(hub.engine),
        settings.recipients(),
        mailer=mailer,
        webhook=webhook,
        clock=clock,
        criticality=hub.criticality,
    )
