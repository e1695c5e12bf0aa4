"""Log redaction: credentials are blanked in every log record, whoever emits it."""

from __future__ import annotations

import logging
import re
from typing import Any

_PATTERNS = [
    re.compile(r"acc_[0-9a-f]{12}_[A-Za-z0-9_\-]+"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/\-]+=*"),
    re.compile(r"eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*"),
    re.compile(r"(v1=)[0-9a-f]{16,}"),
]
REDACTED = "[redacted]"


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(
            lambda match: (match.group(1) if match.groups() else "") + REDACTED, text
        )
    return text


def install_redaction() -> None:
    """Redact every log record at creation, whichever logger or library emits it.

    A record factory (not a logger filter) is used because filters do not apply to child
    loggers or to third-party loggers; installing twice is harmless.
    """
    current = logging.getLogRecordFactory()
    if getattr(current, "accord_redacting", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = current(*args, **kwargs)
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return record

    factory.accord_redacting = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
