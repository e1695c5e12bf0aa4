"""Tryton's JSON-RPC protocol on top of the SDK's `HttpClient`.

Tryton (8.0) answers ``POST /<database>/rpc/`` with ``{"id", "method", "params"}``. A
session comes from ``common.db.login`` and travels as ``Authorization: Session
base64(login:user_id:token)``; every model call takes the user's preferences as its last
parameter (the *context*). Decimals, dates and datetimes travel as ``{"__class__": ...}``
objects. A business rule failure is HTTP 200 with ``"error": ["UserError", [message,
description, ...]]``; an expired session is HTTP 401.

Reads go through a client that retries transient failures and 429 with backoff. Writes
that are not idempotent (``create``) go through a client that never retries by itself: a
timed-out create may have happened, so the caller must look the record up before trying
again (see `TrytonErpConnector.post_invoice`).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import threading
from collections.abc import Callable, Mapping
from decimal import Decimal
from itertools import count
from typing import Any

from accord.connectors.sdk import ConnectorError, HttpClient, RejectedError

ContextValue = dict[str, Any]


def encode(value: Any) -> Any:
    """Python value -> Tryton JSON value (Decimal, date, datetime, timedelta tagged)."""
    if isinstance(value, Decimal):
        return {"__class__": "Decimal", "decimal": str(value)}
    if isinstance(value, dt.datetime):
        return {
            "__class__": "datetime",
            "year": value.year,
            "month": value.month,
            "day": value.day,
            "hour": value.hour,
            "minute": value.minute,
            "second": value.second,
            "microsecond": value.microsecond,
        }
    if isinstance(value, dt.date):
        return {"__class__": "date", "year": value.year, "month": value.month, "day": value.day}
    if isinstance(value, dt.timedelta):
        return {"__class__": "timedelta", "seconds": value.total_seconds()}
    if isinstance(value, Mapping):
        return {key: encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [encode(item) for item in value]
    return value


def _decode_object(value: dict[str, Any]) -> Any:
    kind = value.get("__class__")
    if kind == "Decimal":
        return Decimal(value["decimal"])
    if kind == "date":
        return dt.date(value["year"], value["month"], value["day"])
    if kind == "datetime":
        fields = ("year", "month", "day", "hour", "minute", "second", "microsecond")
        return dt.datetime(*(value.get(name, 0) for name in fields))
    if kind == "timedelta":
        return dt.timedelta(seconds=value["seconds"])
    if kind == "bytes":
        return base64.b64decode(value["base64"])
    return value


def decode(text: str) -> Any:
    """Tryton JSON text -> Python values (the inverse of `encode`)."""
    return json.loads(text, object_hook=_decode_object)


class TrytonRpc:
    """A logged-in JSON-RPC session with one Tryton database.

    `reads` retries transient failures; `writes` must be configured never to retry (its
    `RetryPolicy(max_attempts=1)`), because a create that timed out may have been applied.
    The password and the session token are never logged: they travel only in the login
    body and the `Authorization` header, which the SDK client does not log.
    """

    def __init__(
        self,
        reads: HttpClient,
        writes: HttpClient,
        *,
        database: str,
        login: str,
        password: str,
        language: str = "en",
    ) -> None:
        self._reads = reads
        self._writes = writes
        self._path = f"/{database}/rpc/"
        self._database = database
        self._login = login
        self._password = password
        self._language = language
        self._context: ContextValue | None = None
        self._ids = count(1)
        self._lock = threading.Lock()

    @property
    def context(self) -> ContextValue:
        """The logged-in user's preferences (company, language, ...), logging in if needed."""
        if self._context is None:
            self.login()
        assert self._context is not None
        return self._context

    def login(self) -> None:
        """Open a session and load the user's preferences as the call context."""
        with self._lock:
            result = self._send(
                self._reads,
                "common.db.login",
                [self._login, {"password": self._password}, self._language],
                on_unauthorized=self._refused_login,
            )
            user_id, token = result[0], result[1]
            credentials = f"{self._login}:{user_id}:{token}".encode()
            header = "Session " + base64.b64encode(credentials).decode()
            for client in (self._reads, self._writes):
                client.set_header("Authorization", header)
            self._context = self._send(self._reads, "model.res.user.get_preferences", [True, {}])

    def logout(self) -> None:
        """End the session in Tryton; a later call logs in again (through the 401 path)."""
        if self._context is not None:
            self._send(self._reads, "common.db.logout", [])

    def close(self) -> None:
        """End the session and close both HTTP clients."""
        with contextlib.suppress(ConnectorError):  # Tryton may already be gone
            self.logout()
        self._reads.close()
        self._writes.close()

    def call(
        self,
        method: str,
        *params: Any,
        retry_safe: bool = True,
        context: Mapping[str, Any] | None = None,
    ) -> Any:
        """Call ``method`` with ``params`` and the session context; re-login once on 401.

        ``retry_safe=False`` sends through the non-retrying client (for ``create``);
        ``context`` adds keys to the session context (e.g. a wizard's ``active_ids``).
        """
        client = self._reads if retry_safe else self._writes
        try:
            return self._send(client, method, [*params, {**self.context, **(context or {})}])
        except RejectedError as error:
            if error.status != 401:
                raise
        self.login()
        return self._send(client, method, [*params, {**self.context, **(context or {})}])

    def model(self, model: str, method: str, *params: Any, retry_safe: bool = True) -> Any:
        """Shorthand for ``call("model.<model>.<method>", ...)``."""
        return self.call(f"model.{model}.{method}", *params, retry_safe=retry_safe)

    def _send(
        self,
        client: HttpClient,
        method: str,
        params: list[Any],
        on_unauthorized: Callable[[], RejectedError] | None = None,
    ) -> Any:
        request = {"id": next(self._ids), "method": method, "params": encode(params)}
        try:
            response = client.post(self._path, json=request)
        except RejectedError as error:
            if error.status == 401 and on_unauthorized is not None:
                raise on_unauthorized() from error
            raise
        body = decode(response.text)
        if body.get("error"):
            raise _business_error(method, body["error"], response.text)
        return body.get("result")

    def _refused_login(self) -> RejectedError:
        return RejectedError(
            401,
            "",
            reason=(
                f"Tryton refused the login of user {self._login!r} on database "
                f"{self._database!r}: check the connector's login and password."
            ),
        )


def _business_error(method: str, error: Any, body: str) -> RejectedError:
    """A JSON-RPC fault as a `RejectedError` that carries Tryton's own message.

    ``problem`` holds ``type`` (``UserError``, ``UserWarning``, ...), ``message`` and,
    for a warning, its ``warning`` name (what `res.user.warning.skip` takes).
    """
    kind, details = (error[0], error[1]) if isinstance(error, list) and error else (error, None)
    problem: dict[str, Any] = {"type": str(kind)}
    parts = [str(part) for part in details] if isinstance(details, list) else [str(details or "")]
    if kind == "UserWarning" and parts:
        problem["warning"], parts = parts[0], parts[1:]
    problem["message"] = " ".join(part for part in parts[:2] if part)
    return RejectedError(
        200,
        body,
        problem,
        reason=f"Tryton refused {method}: {kind}: {problem['message'] or 'no message'}",
    )
