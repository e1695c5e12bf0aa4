"""JSON logs carrying the trace and the business ids of the work they describe.

Each record is one JSON object per line: time, level, logger, message, `trace_id` and
`span_id` of the current span (so a log line opens its trace), the business ids bound
with `business_ids`/`business_transaction` (`contract`, `document`, `invoice_run`...), and
the record's structured extras (a connector call's system, method, path, status...).

Credentials never reach the output: extras whose name says they hold one are replaced,
and bearer tokens or `password=`-style pairs in messages are blanked.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from opentelemetry import trace

from accord.observability.context import current_business_ids

REDACTED = "[redacted]"
_SECRET_NAME = re.compile(
    r"(?i)(authorization|password|passwd|secret|token|api[_-]?key|credential|cookie)"
)
_SECRET_IN_TEXT = [
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/\-]+=*"),
    re.compile(
        r"(?i)((?:authorization|password|passwd|secret|token|api[_-]?key)[\"']?\s*[:=]\s*[\"']?)"
        r"[^\s\"',;&]+"
    ),
]
_STANDARD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None))
) | {"message", "asctime"}
_CORE_FIELDS = ("ts", "level", "logger", "message", "trace_id", "span_id", "exception")


def redact_text(text: str) -> str:
    """`text` with bearer tokens and `password=...`-style values blanked."""
    for pattern in _SECRET_IN_TEXT:
        text = pattern.sub(lambda match: match.group(1) + REDACTED, text)
    return text


class JsonLogFormatter(logging.Formatter):
    """Formats a record as one JSON line (see the module docs for its fields)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact_text(record.getMessage()),
        }
        context = trace.get_current_span().get_span_context()
        if context.is_valid:
            entry["trace_id"] = trace.format_trace_id(context.trace_id)
            entry["span_id"] = trace.format_span_id(context.span_id)
        for name, value in vars(record).items():
            if name not in _STANDARD_ATTRIBUTES and name not in _CORE_FIELDS:
                entry[name] = REDACTED if _SECRET_NAME.search(name) else value
        for name, value in current_business_ids().items():
            if name not in _CORE_FIELDS:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = redact_text(self.formatException(record.exc_info))
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextLogFormatter(logging.Formatter):
    """One readable line per record, ending with the bound business ids (the request's
    `correlation_id`, a contract...) when there are any."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        ids = " ".join(f"{name}={value}" for name, value in current_business_ids().items())
        return f"{line} [{ids}]" if ids else line


_HANDLER_MARK = "accord_observability"


def configure_logging(
    level: str | int | None = None, *, json_format: bool | None = None, stream: TextIO | None = None
) -> logging.Handler:
    """Send the process's logs to `stream` (stderr) as JSON lines, replacing the handler a
    previous call installed (other handlers are left alone).

    `level` defaults to `ACCORD_LOG_LEVEL` (INFO); `json_format` to `ACCORD_LOG_FORMAT`
    (`json`, the default, or `text` for a person reading a terminal).
    """
    if level is None:
        level = os.environ.get("ACCORD_LOG_LEVEL", "INFO").upper()
    if json_format is None:
        json_format = os.environ.get("ACCORD_LOG_FORMAT", "json").lower() != "text"
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonLogFormatter() if json_format else TextLogFormatter())
    setattr(handler, _HANDLER_MARK, True)
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, _HANDLER_MARK, False):
            root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    return handler
