"""Fakes for connector tests: a scripted HTTP server and a clock that never really waits.

    clock = FakeClock()
    server = FakeHttpServer().throttle(2, retry_after="3").respond(200, json={"id": "1"})
    client = HttpClient("https://erp.test", connector="erp", transport=server,
                        clock=clock, sleep=FakeSleep(clock))

`FakeHttpServer` answers requests from a script of steps, in order, then from its
`handler` (by default `200 {}`); it records every request it receives.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

import httpx

Handler = Callable[[httpx.Request], httpx.Response]


class FakeClock:
    """A settable clock in seconds since the epoch; call it like `time.time`."""

    def __init__(self, start: float = 1_767_225_600.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        with self._lock:
            self._now += seconds


class FakeSleep:
    """A `sleep` that records each wait and advances a `FakeClock` instead of blocking."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.waits: list[float] = []
        self._lock = threading.Lock()

    def __call__(self, seconds: float) -> None:
        with self._lock:
            self.waits.append(seconds)
        self.clock.advance(seconds)

    @property
    def total(self) -> float:
        return sum(self.waits)


def _ok(_: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={})


class FakeHttpServer(httpx.MockTransport):
    """A scripted server for `HttpClient(transport=...)`; builder methods return `self`.

    An outage window (`outage_until`) answers every request while the clock is before its
    end, ahead of the script, so a test can model "503 until 10:00" with a `FakeClock`.
    """

    def __init__(self, handler: Handler | None = None) -> None:
        super().__init__(self._answer)
        self.fallback = handler or _ok
        self.requests: list[httpx.Request] = []
        self._script: deque[Handler] = deque()
        self._outages: list[tuple[Callable[[], float], float, int]] = []
        self._lock = threading.Lock()

    def respond(
        self,
        status: int,
        *,
        json: Any = None,
        text: str | None = None,
        headers: Mapping[str, str] | None = None,
        times: int = 1,
    ) -> FakeHttpServer:
        """Answer the next `times` requests with this response."""

        def answer(_: httpx.Request) -> httpx.Response:
            if text is not None:
                return httpx.Response(status, text=text, headers=headers)
            return httpx.Response(status, json=json if json is not None else {}, headers=headers)

        return self._push(answer, times)

    def throttle(self, times: int, *, retry_after: str | None = None) -> FakeHttpServer:
        """Answer the next `times` requests with 429, with `Retry-After` when given."""
        headers = {"Retry-After": retry_after} if retry_after is not None else None
        return self.respond(429, json={"title": "Too Many Requests"}, headers=headers, times=times)

    def unavailable(
        self, times: int, *, status: int = 503, retry_after: str | None = None
    ) -> FakeHttpServer:
        """Answer the next `times` requests with a 5xx (503 by default)."""
        headers = {"Retry-After": retry_after} if retry_after is not None else None
        return self.respond(status, json={"title": "Unavailable"}, headers=headers, times=times)

    def time_out(self, times: int = 1) -> FakeHttpServer:
        """Make the next `times` requests time out (as a read timeout would)."""

        def answer(request: httpx.Request) -> httpx.Response:
            raise httpx.ReadTimeout("simulated read timeout", request=request)

        return self._push(answer, times)

    def refuse_connection(self, times: int = 1) -> FakeHttpServer:
        """Make the next `times` requests fail to connect."""

        def answer(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("simulated connection refused", request=request)

        return self._push(answer, times)

    def outage_until(
        self, clock: Callable[[], float], until: float, *, status: int = 503
    ) -> FakeHttpServer:
        """Answer `status` to every request while `clock()` is before `until`."""
        with self._lock:
            self._outages.append((clock, until, status))
        return self

    def then(self, handler: Handler) -> FakeHttpServer:
        """Answer the next request with `handler`, e.g. to assert on what was sent."""
        return self._push(handler, 1)

    @property
    def remaining(self) -> int:
        """Scripted answers not used yet; 0 once a test consumed its whole script."""
        with self._lock:
            return len(self._script)

    def _push(self, answer: Handler, times: int) -> FakeHttpServer:
        with self._lock:
            self._script.extend([answer] * times)
        return self

    def _answer(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.requests.append(request)
            for clock, until, status in self._outages:
                if clock() < until:
                    return httpx.Response(status, json={"title": "Unavailable"})
            answer = self._script.popleft() if self._script else self.fallback
        return answer(request)
