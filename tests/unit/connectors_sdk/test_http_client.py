"""HttpClient: retries, Retry-After, rejections, limits, circuit breaker, logs, metrics."""

from __future__ import annotations

import email.utils
import logging
import random
import threading
import time

import httpx
import pytest

from accord.connectors.sdk import (
    CircuitBreaker,
    CircuitOpenError,
    CircuitState,
    ConnectorMetrics,
    HttpClient,
    RateLimit,
    RejectedError,
    RetryPolicy,
    ThrottledError,
    UnavailableError,
)
from accord.connectors.sdk.http import parse_retry_after
from accord.connectors.sdk.testing import FakeClock, FakeHttpServer, FakeSleep

NO_JITTER = RetryPolicy(max_attempts=4, base_delay=1.0, max_delay=30.0, jitter=0.0)


def make_client(
    server: FakeHttpServer,
    clock: FakeClock,
    *,
    retry: RetryPolicy = NO_JITTER,
    circuit: CircuitBreaker | None = None,
    rate_limit: RateLimit | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[HttpClient, FakeSleep, ConnectorMetrics]:
    sleep = FakeSleep(clock)
    metrics = ConnectorMetrics("erp-test")
    client = HttpClient(
        "https://erp.test",
        connector="erp-test",
        retry=retry,
        circuit_breaker=circuit,
        rate_limit=rate_limit,
        headers=headers,
        sleep=sleep,
        clock=clock,
        transport=server,
        metrics=metrics,
    )
    return client, sleep, metrics


def test_a_throttled_call_honours_retry_after_seconds_then_succeeds() -> None:
    clock = FakeClock()
    server = FakeHttpServer().throttle(2, retry_after="7").respond(200, json={"id": "A1"})
    client, sleep, metrics = make_client(server, clock)

    response = client.post("/invoices", json={"number": "INV-1"})

    assert response.json() == {"id": "A1"}
    assert sleep.waits == [7.0, 7.0]
    assert metrics.snapshot()["throttles"] == 2
    assert metrics.snapshot()["retries"] == 2
    assert metrics.snapshot()["calls"] == 3


def test_retry_after_as_an_http_date_waits_until_that_date() -> None:
    clock = FakeClock()
    date = email.utils.formatdate(clock() + 12, usegmt=True)
    server = FakeHttpServer().unavailable(1, retry_after=date).respond(200)
    client, sleep, _ = make_client(server, clock)

    client.get("/customers")

    assert sleep.waits == [pytest.approx(12.0, abs=1.0)]


def test_parse_retry_after_reads_seconds_dates_and_ignores_garbage() -> None:
    now = 1_767_225_600.0
    assert parse_retry_after("5", now) == 5.0
    assert parse_retry_after(email.utils.formatdate(now + 30, usegmt=True), now) == 30.0
    assert parse_retry_after(email.utils.formatdate(now - 30, usegmt=True), now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_a_429_without_retry_after_backs_off_exponentially() -> None:
    clock = FakeClock()
    server = FakeHttpServer().throttle(3).respond(200)
    client, sleep, _ = make_client(server, clock)

    client.get("/time-entries")

    assert sleep.waits == [1.0, 2.0, 4.0]


def test_backoff_with_jitter_stays_within_its_bounds() -> None:
    policy = RetryPolicy(max_attempts=10, base_delay=0.5, max_delay=8.0, jitter=0.5)
    rng = random.Random(42)
    for retry in range(1, 10):
        ceiling = min(8.0, 0.5 * 2 ** (retry - 1))
        delays = [policy.backoff(retry, rng) for _ in range(200)]
        assert all(ceiling * 0.5 <= d <= ceiling for d in delays)
        assert max(delays) - min(delays) > ceiling * 0.3, "jitter must spread the retries"


def test_exhausted_throttling_raises_throttled_error_with_the_wait() -> None:
    clock = FakeClock()
    server = FakeHttpServer().throttle(4, retry_after="2")
    client, _, metrics = make_client(server, clock)

    with pytest.raises(ThrottledError) as caught:
        client.get("/jobs")

    assert caught.value.retry_after == 2.0
    assert caught.value.retryable
    assert len(server.requests) == 4
    assert metrics.snapshot()["errors"] == 1


def test_a_retry_after_beyond_the_policy_ends_the_call_at_once() -> None:
    clock = FakeClock()
    server = FakeHttpServer().throttle(1, retry_after="3600")
    client, sleep, _ = make_client(server, clock)

    with pytest.raises(ThrottledError) as caught:
        client.get("/jobs")

    assert caught.value.retry_after == 3600.0
    assert sleep.waits == []


def test_timeouts_and_connection_errors_are_retried_then_reported_unavailable() -> None:
    clock = FakeClock()
    server = FakeHttpServer().time_out(2).refuse_connection(2)
    client, sleep, _ = make_client(server, clock)

    with pytest.raises(UnavailableError) as caught:
        client.get("/customers")

    assert not isinstance(caught.value, ThrottledError)
    assert "ConnectError" in caught.value.reason
    assert sleep.waits == [1.0, 2.0, 4.0]


def test_a_business_rejection_is_not_retried_and_carries_the_problem() -> None:
    clock = FakeClock()
    problem = {"title": "Invalid posting", "detail": "department is mandatory"}
    server = FakeHttpServer().respond(422, json=problem).respond(200)
    client, sleep, metrics = make_client(server, clock)

    with pytest.raises(RejectedError) as caught:
        client.post("/invoices", json={"number": "INV-1"})

    assert caught.value.status == 422
    assert caught.value.problem == problem
    assert "department is mandatory" in caught.value.reason
    assert not caught.value.retryable
    assert len(server.requests) == 1 and sleep.waits == []
    assert metrics.snapshot()["errors"] == 1


def test_a_500_is_reported_unavailable_without_retrying() -> None:
    server = FakeHttpServer().respond(500, text="boom").respond(200)
    client, _, _ = make_client(server, FakeClock())

    with pytest.raises(UnavailableError):
        client.get("/customers")

    assert len(server.requests) == 1


def test_the_circuit_opens_fails_fast_then_half_opens_and_closes() -> None:
    clock = FakeClock()
    server = FakeHttpServer().unavailable(3)
    circuit = CircuitBreaker(failure_threshold=3, reset_after=30.0)
    one_try = RetryPolicy(max_attempts=1)
    client, _, metrics = make_client(server, clock, retry=one_try, circuit=circuit)

    for _ in range(3):
        with pytest.raises(UnavailableError):
            client.get("/health")
    assert circuit.state is CircuitState.OPEN

    with pytest.raises(CircuitOpenError) as caught:
        client.get("/health")
    assert len(server.requests) == 3, "an open circuit must not call the system"
    assert caught.value.retry_after == 30.0

    clock.advance(30.0)
    assert client.get("/health").status_code == 200
    assert circuit.state is CircuitState.CLOSED
    assert metrics.snapshot()["circuit_rejections"] == 1
    assert metrics.snapshot()["circuit_state"] == "closed"


def test_a_failed_half_open_trial_reopens_the_circuit() -> None:
    clock = FakeClock()
    server = FakeHttpServer().unavailable(2)
    circuit = CircuitBreaker(failure_threshold=1, reset_after=10.0)
    client, _, _ = make_client(server, clock, retry=RetryPolicy(max_attempts=1), circuit=circuit)

    with pytest.raises(UnavailableError):
        client.get("/health")
    clock.advance(10.0)
    with pytest.raises(UnavailableError):
        client.get("/health")

    assert circuit.state is CircuitState.OPEN
    with pytest.raises(CircuitOpenError):
        client.get("/health")


def test_rejections_and_throttling_do_not_open_the_circuit() -> None:
    server = FakeHttpServer().respond(400, times=5).throttle(5)
    circuit = CircuitBreaker(failure_threshold=2)
    client, _, _ = make_client(
        server, FakeClock(), retry=RetryPolicy(max_attempts=1), circuit=circuit
    )

    for _ in range(5):
        with pytest.raises(RejectedError):
            client.get("/x")
    for _ in range(5):
        with pytest.raises(ThrottledError):
            client.get("/x")

    assert circuit.state is CircuitState.CLOSED


def test_the_rate_limit_paces_calls_after_the_burst() -> None:
    clock = FakeClock()
    client, sleep, _ = make_client(
        FakeHttpServer(), clock, rate_limit=RateLimit(requests_per_second=2, burst=3)
    )
    start = clock()

    for _ in range(9):
        client.get("/customers")

    assert sleep.waits == [0.5] * 6, "3 calls fit the burst, the other 6 wait their turn"
    assert clock() - start == pytest.approx(3.0)


def test_the_rate_limit_refills_while_idle() -> None:
    clock = FakeClock()
    client, sleep, _ = make_client(
        FakeHttpServer(), clock, rate_limit=RateLimit(requests_per_second=1, burst=2)
    )
    client.get("/a")
    client.get("/b")
    clock.advance(5)
    client.get("/c")
    client.get("/d")

    assert sleep.waits == []


def test_the_concurrency_limit_caps_calls_in_flight() -> None:
    in_flight = 0
    peak = 0
    lock = threading.Lock()

    def slow(_: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.02)
        with lock:
            in_flight -= 1
        return httpx.Response(200, json={})

    client = HttpClient(
        "https://erp.test",
        connector="erp-test",
        max_concurrency=2,
        transport=FakeHttpServer(slow),
        metrics=ConnectorMetrics("erp-test"),
    )
    threads = [threading.Thread(target=client.get, args=("/x",)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert peak == 2


def test_every_attempt_logs_one_structured_record_without_secrets(
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = "s3cr3t-token-value"
    server = FakeHttpServer().throttle(1, retry_after="1").respond(201)
    client, _, _ = make_client(server, FakeClock(), headers={"Authorization": f"Bearer {secret}"})

    with caplog.at_level(logging.INFO, logger="accord.connector"):
        client.post(
            "/invoices",
            json={"number": "INV-1"},
            params={"api_key": secret},
            idempotency_key="erp:post-invoice:abc",
        )

    records = [r for r in caplog.records if r.name == "accord.connector"]
    assert [(r.status, r.attempt) for r in records] == [(429, 1), (201, 2)]  # type: ignore[attr-defined]
    assert {r.levelname for r in records} == {"INFO"}  # a throttled attempt is routine
    last = records[-1]
    assert last.connector == "erp-test"  # type: ignore[attr-defined]
    assert last.method == "POST"  # type: ignore[attr-defined]
    assert last.path == "/invoices"  # type: ignore[attr-defined]
    assert last.idempotency_key == "erp:post-invoice:abc"  # type: ignore[attr-defined]
    assert isinstance(last.duration_ms, float)  # type: ignore[attr-defined]
    everything = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert secret not in everything
    assert server.requests[-1].headers["Authorization"] == f"Bearer {secret}"
    assert server.requests[-1].headers["Idempotency-Key"] == "erp:post-invoice:abc"


def test_json_bodies_keep_decimals_exact() -> None:
    from decimal import Decimal

    server = FakeHttpServer()
    client, _, _ = make_client(server, FakeClock())

    client.post("/invoices", json={"amount": Decimal("1785.10")})

    assert server.requests[0].content == b'{"amount":"1785.10"}'


def test_a_call_rides_out_a_short_outage_window_by_backing_off() -> None:
    clock = FakeClock()
    server = FakeHttpServer().outage_until(clock, clock() + 3)
    client, sleep, metrics = make_client(server, clock)

    assert client.get("/customers").status_code == 200

    assert sleep.waits == [1.0, 2.0]
    assert metrics.snapshot()["calls"] == 3
    assert metrics.snapshot()["errors"] == 0
