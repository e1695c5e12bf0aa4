"""The HTTP client every connector uses to talk to its system.

One `HttpClient` per connector instance gives every call the same protections: a timeout,
retries with exponential backoff and jitter that honour `Retry-After`, a rate limit and a
concurrency limit (to stay inside API quotas such as NetSuite's account concurrency), a
circuit breaker, counters in `ConnectorMetrics`, and one structured log record per attempt.

Outcomes, so callers know what to catch:

- 2xx/3xx: the `httpx.Response` is returned.
- connection errors, timeouts, 429, 502, 503, 504: retried; when retries run out,
  `ThrottledError` (the last answer was 429) or `UnavailableError`.
- 500 and other 5xx: `UnavailableError` at once (the server failed in an unknown way).
- any other 4xx: `RejectedError(status, body, problem)`, never retried.
- circuit open: `CircuitOpenError`, without calling the system.
"""

from __future__ import annotations

import copy
import datetime as dt
import json as jsonlib
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode

import httpx

from accord.connectors.sdk.errors import (
    CircuitOpenError,
    RejectedError,
    ThrottledError,
    UnavailableError,
    parse_problem,
)
from accord.connectors.sdk.metrics import ConnectorMetrics, connector_metrics
from accord.connectors.sdk.resilience import CircuitBreaker, RateLimit, RetryPolicy, TokenBucket

logger = logging.getLogger("accord.connector")

RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
RETRYABLE_TRANSPORT_ERRORS = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
    httpx.ProxyError,
)
IDEMPOTENCY_HEADER = "Idempotency-Key"


@dataclass(frozen=True, slots=True)
class CallAttempt:
    """One HTTP attempt as observers see it: what was called, how it ended, when.

    `status` is None when no answer came (a transport error, or the circuit refused the
    call); `error` names the exception then. Times are nanoseconds since the epoch. Never
    carries headers, query strings or bodies, so observers cannot leak credentials.
    """

    connector: str
    method: str
    path: str
    status: int | None
    attempt: int
    error: str | None
    idempotency_key: str | None
    started_ns: int
    ended_ns: int


CallObserver = Callable[[CallAttempt], None]
_call_observers: list[CallObserver] = []


def add_call_observer(observer: CallObserver) -> None:
    """Have `observer` called after every attempt of every `HttpClient` (e.g. to trace it).

    Observers run on the calling thread, inside the caller's context; one that raises is
    logged and ignored, never failing the call. Adding the same observer twice is a no-op.
    """
    if observer not in _call_observers:
        _call_observers.append(observer)


def remove_call_observer(observer: CallObserver) -> None:
    if observer in _call_observers:
        _call_observers.remove(observer)


def _notify_observers(attempt: CallAttempt) -> None:
    for observer in list(_call_observers):
        try:
            observer(attempt)
        except Exception:  # an observer's bug must never fail a call to a system
            logger.exception("call observer %r failed; the call itself is unaffected", observer)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta seconds or an HTTP date).

    `now` is the current time in seconds since the epoch. A date in the past means "now"
    (0 s); an unreadable value is ignored (None), so the client falls back to backoff.
    """
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, when.timestamp() - now)


def encode_json(value: Any) -> bytes:
    """JSON with `Decimal` as a string (exact) and dates as ISO 8601 strings."""
    return jsonlib.dumps(value, default=_json_default, separators=(",", ":")).encode()


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__} as JSON; convert it first")


@dataclass
class _Attempt:
    """What one attempt produced: a response, or the transport error that replaced it."""

    response: httpx.Response | None
    error: Exception | None

    @property
    def status(self) -> int | None:
        return self.response.status_code if self.response is not None else None

    @property
    def is_outage(self) -> bool:
        return self.error is not None or (self.status or 0) >= 500


class HttpClient:
    """A synchronous, thread-safe HTTP client with the SDK's protections (module docs)."""

    def __init__(
        self,
        base_url: str,
        *,
        connector: str,
        retry: RetryPolicy | None = None,
        rate_limit: RateLimit | None = None,
        max_concurrency: int | None = None,
        circuit_breaker: CircuitBreaker | None = None,
        timeout: float = 10.0,
        headers: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        transport: httpx.BaseTransport | None = None,
        metrics: ConnectorMetrics | None = None,
        rng: random.Random | None = None,
    ) -> None:
        """`clock` returns seconds since the epoch (a simulated clock may return any such
        value); `sleep` waits that many seconds. Inject both to run without real waits.
        `metrics` defaults to the process-wide counters of `connector`."""
        if max_concurrency is not None and max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1 (or None for no limit)")
        self.connector = connector
        self.retry = retry or RetryPolicy()
        self.circuit = circuit_breaker or CircuitBreaker()
        self.metrics = metrics or connector_metrics(connector)
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._bucket = TokenBucket(rate_limit, clock, sleep) if rate_limit else None
        self._slots = threading.BoundedSemaphore(max_concurrency) if max_concurrency else None
        self._client = httpx.Client(
            base_url=base_url, timeout=timeout, headers=dict(headers or {}), transport=transport
        )

    def sending_once(self) -> HttpClient:
        """This client (connection pool, headers, rate and concurrency limits, circuit,
        metrics: all shared) sending every call once: for a write that is not idempotent,
        which a timed-out attempt may already have applied."""
        return self.trying(1)

    def trying(self, max_attempts: int) -> HttpClient:
        """This client (everything shared, as `sending_once`) trying each call at most
        `max_attempts` times, with its backoff: e.g. a reconciliation listing, which a
        later run reads again, gives up sooner than a write that must get through."""
        fewer = copy.copy(self)
        fewer.retry = replace(self.retry, max_attempts=max_attempts)
        return fewer

    def set_header(self, name: str, value: str) -> None:
        """Set a default header for later calls, e.g. a session token after a login."""
        self._client.headers[name] = value

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        form: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send one logical call, retrying transient failures; see the module docs.

        `idempotency_key` is sent as the `Idempotency-Key` header and logged, so a retried
        write is recognisable on both sides. `form` is sent URL-encoded in the body (e.g.
        an OAuth token request, whose secrets must not travel in the query string).
        """
        call_headers = dict(headers or {})
        content: bytes | None = None
        if json is not None:
            content = encode_json(json)
            call_headers.setdefault("Content-Type", "application/json")
        elif form is not None:
            content = urlencode(dict(form)).encode()
            call_headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        if idempotency_key is not None:
            call_headers[IDEMPOTENCY_HEADER] = idempotency_key
        request = self._client.build_request(
            method, path, content=content, params=params, headers=call_headers
        )
        try:
            return self._send_with_retries(request, idempotency_key)
        except Exception:
            self.metrics.add(errors=1)
            raise

    def _send_with_retries(
        self, request: httpx.Request, idempotency_key: str | None
    ) -> httpx.Response:
        attempt_number = 0
        while True:
            attempt_number += 1
            attempt = self._attempt(request, attempt_number, idempotency_key)
            response = attempt.response
            if response is not None and response.status_code < 400:
                return response
            if response is not None and response.status_code not in RETRYABLE_STATUSES:
                raise self._final_error(request, attempt, attempt_number, None)
            retry_after = self._retry_after(response)
            if attempt_number >= self.retry.max_attempts or (
                retry_after is not None and retry_after > self.retry.max_retry_after
            ):
                raise self._final_error(request, attempt, attempt_number, retry_after)
            self.metrics.add(retries=1)
            self._sleep(
                retry_after
                if retry_after is not None
                else self.retry.backoff(attempt_number, self._rng)
            )

    def _retry_after(self, response: httpx.Response | None) -> float | None:
        if response is None:
            return None
        return parse_retry_after(response.headers.get("Retry-After"), self._clock())

    def _attempt(
        self, request: httpx.Request, attempt_number: int, idempotency_key: str | None
    ) -> _Attempt:
        if not self.circuit.allow(self._clock()):
            self.metrics.add(circuit_rejections=1)
            wait = self.circuit.seconds_until_trial(self._clock())
            self._log(request, attempt_number, idempotency_key, None, "CircuitOpenError", 0.0)
            raise CircuitOpenError(
                f"{self.connector}: circuit open after repeated failures; no call made. "
                f"The next trial call is allowed in {wait:.1f} s.",
                retry_after=wait,
            )
        if self._bucket is not None:
            self._bucket.acquire()
        started = time.perf_counter()
        with self._concurrency_slot():
            try:
                attempt = _Attempt(self._client.send(request), None)
            except RETRYABLE_TRANSPORT_ERRORS as error:
                attempt = _Attempt(None, error)
            except Exception:
                # Not a transient failure (e.g. an unsupported URL scheme): report it as is,
                # but never leave a half-open circuit waiting for a trial that ended.
                self.circuit.record_failure(self._clock())
                raise
        self._record(request, attempt, attempt_number, idempotency_key, started)
        return attempt

    @contextmanager
    def _concurrency_slot(self) -> Iterator[None]:
        if self._slots is None:
            yield
            return
        with self._slots:
            yield

    def _record(
        self,
        request: httpx.Request,
        attempt: _Attempt,
        attempt_number: int,
        idempotency_key: str | None,
        started: float,
    ) -> None:
        if attempt.is_outage:
            self.circuit.record_failure(self._clock())
        else:
            self.circuit.record_success()
        self.metrics.add(calls=1, throttles=1 if attempt.status == 429 else 0)
        self.metrics.set_circuit_state(self.circuit.state)
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        error = type(attempt.error).__name__ if attempt.error else None
        self._log(request, attempt_number, idempotency_key, attempt.status, error, duration_ms)

    def _log(
        self,
        request: httpx.Request,
        attempt_number: int,
        idempotency_key: str | None,
        status: int | None,
        error: str | None,
        duration_ms: float,
    ) -> None:
        """One structured record per attempt, then the call observers; never headers,
        query strings or bodies."""
        fields = {
            "connector": self.connector,
            "method": request.method,
            "path": request.url.path,
            "status": status,
            "attempt": attempt_number,
            "duration_ms": duration_ms,
            "idempotency_key": idempotency_key,
            "error": error,
        }
        # A 429 is the system pacing its callers, retried as it asks: routine, not a fault.
        failed = error is not None or ((status or 0) >= 400 and status != 429)
        logger.log(
            logging.WARNING if failed else logging.INFO,
            "%s %s %s -> %s (attempt %d, %.1f ms)",
            self.connector,
            request.method,
            request.url.path,
            status if status is not None else error,
            attempt_number,
            duration_ms,
            extra=fields,
        )
        if _call_observers:
            ended_ns = time.time_ns()
            _notify_observers(
                CallAttempt(
                    connector=self.connector,
                    method=request.method,
                    path=request.url.path,
                    status=status,
                    attempt=attempt_number,
                    error=error,
                    idempotency_key=idempotency_key,
                    started_ns=ended_ns - int(duration_ms * 1_000_000),
                    ended_ns=ended_ns,
                )
            )

    def _final_error(
        self,
        request: httpx.Request,
        attempt: _Attempt,
        attempts: int,
        retry_after: float | None,
    ) -> Exception:
        where = f"{self.connector}: {request.method} {request.url.path}"
        response = attempt.response
        if response is None:
            return UnavailableError(
                f"{where} failed after {attempts} attempt(s): {attempt.error!r}. "
                "Check that the system is running and reachable; the hub will retry.",
                retry_after=retry_after,
            )
        status = response.status_code
        if status == 429:
            return ThrottledError(
                f"{where} still throttled (HTTP 429) after {attempts} attempt(s); "
                "the hub will retry later.",
                retry_after=retry_after,
            )
        if status >= 500:
            return UnavailableError(
                f"{where} failed with HTTP {status} after {attempts} attempt(s); "
                "the hub will retry later.",
                retry_after=retry_after,
            )
        return RejectedError(status, response.text, parse_problem(response.text))
