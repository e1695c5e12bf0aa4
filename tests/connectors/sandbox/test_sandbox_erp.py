"""The sandbox ERP's behaviours, each driven through `SandboxErpConnector`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from itertools import count
from typing import Any

import httpx
import pytest

from accord.connectors.sandbox.erp import SandboxErpConnector, connector_factory
from accord.connectors.sandbox.landscape import Landscape
from accord.connectors.sdk import (
    RejectedError,
    UnavailableError,
    connector_metrics,
    idempotency_key,
)
from accord.connectors.sdk.testing import FakeSleep
from accord.connectors.sdk.testing.suite import (
    ConnectorContract,
    IdempotentWrite,
    StreamCase,
    ThrottledBurst,
)
from tests.connectors.sandbox.sandbox_samples import invoice

DIMENSIONS = {"DE01": {"department": "Consulting"}, "US01": {}}


@pytest.fixture
def erp(config_for: Callable[..., dict[str, Any]]) -> SandboxErpConnector:
    return connector_factory(config_for("erp", dimensions=DIMENSIONS))


def key(number: str) -> str:
    return idempotency_key("erp", "post-invoice", number)


def test_posting_the_same_invoice_twice_leaves_one_document(erp: SandboxErpConnector) -> None:
    first = erp.post_invoice(invoice("INV-DE01-000001"), key("INV-DE01-000001"))
    again = erp.post_invoice(invoice("INV-DE01-000001"), key("INV-DE01-000001"))

    assert first == again
    assert erp.summary()["documents"] == 1
    assert erp.summary()["gross_total_by_currency"] == {"EUR": "1785.00"}


def test_a_missing_mandatory_dimension_is_rejected_with_the_reason_and_nothing_stored(
    config_for: Callable[..., dict[str, Any]],
) -> None:
    erp = connector_factory(config_for("erp", dimensions={}))

    with pytest.raises(RejectedError) as rejected:
        erp.post_invoice(invoice("INV-DE01-000001"), key("INV-DE01-000001"))

    assert rejected.value.status == 400
    assert "MISSING_MANDATORY_DIMENSION" in rejected.value.reason
    assert "department" in rejected.value.reason
    assert erp.summary()["documents"] == 0


def test_a_posting_dated_in_a_closed_period_is_rejected(erp: SandboxErpConnector) -> None:
    erp.close_period("DE01", "2026-01")

    with pytest.raises(RejectedError, match="PERIOD_CLOSED"):
        erp.post_invoice(invoice("INV-DE01-000001"), key("INV-DE01-000001"))
    posted = erp.post_invoice(
        invoice("INV-DE01-000001", issue_date=dt.date(2026, 2, 1)), key("INV-DE01-000001")
    )

    assert posted.status == "posted"
    assert erp.summary()["documents"] == 1


def test_the_account_concurrency_limit_answers_429_and_retries_get_every_posting_through(
    landscape: Landscape,
) -> None:
    limited = {"concurrency_limit": 2}
    httpx.patch(f"{landscape.base_url('erp')}/_sandbox/settings", json=limited).raise_for_status()
    landscape.inject("erp", {"kind": "latency", "latency_ms": 60})
    throttles_before = connector_metrics("sandbox-erp").throttles
    erp = connector_factory(
        {
            "base_url": landscape.base_url("erp"),
            "dimensions": DIMENSIONS,
            "max_attempts": 12,
            "base_delay": 0.02,
        }
    )
    numbers = [f"INV-DE01-{n:06d}" for n in range(1, 9)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda n: erp.post_invoice(invoice(n), key(n)), numbers))

    assert connector_metrics("sandbox-erp").throttles > throttles_before
    assert sorted(d.number for d in erp.list_documents()) == numbers


def test_an_unavailability_window_ends_when_the_clock_passes_until(
    landscape: Landscape, erp: SandboxErpConnector, fake_sleep: FakeSleep
) -> None:
    landscape.inject("erp", {"kind": "unavailable", "until": "2026-02-02T00:00:00Z"})

    with pytest.raises(UnavailableError):
        erp.post_invoice(invoice("INV-DE01-000001"), key("INV-DE01-000001"))
    landscape.set_clock(dt.datetime(2026, 2, 2, tzinfo=dt.UTC))
    fake_sleep.clock.advance(3600)  # the circuit breaker allows a trial call again
    posted = erp.post_invoice(invoice("INV-DE01-000001"), key("INV-DE01-000001"))

    assert posted.number == "INV-DE01-000001"
    assert erp.summary()["documents"] == 1


def test_a_payment_recorded_in_the_erp_is_read_back_and_settles_the_invoice(
    erp: SandboxErpConnector,
) -> None:
    erp.post_invoice(invoice("INV-DE01-000001"), key("INV-DE01-000001"))

    erp.register_payment("INV-DE01-000001", Decimal("1785.00"), "EUR", dt.date(2026, 2, 10), "P1")
    erp.register_payment("INV-DE01-000001", Decimal("1785.00"), "EUR", dt.date(2026, 2, 10), "P1")

    payments = erp.list_payments(since=dt.date(2026, 2, 1))
    assert [(p.id, p.invoice, p.amount) for p in payments] == [
        ("P1", "INV-DE01-000001", Decimal("1785.00"))
    ]
    assert erp.get_invoice("INV-DE01-000001") is not None
    assert erp.get_invoice("INV-DE01-000001").status == "paid"  # type: ignore[union-attr]
    assert erp.get_invoice("INV-XX-1") is None


class TestSandboxErpContract(ConnectorContract):
    @pytest.fixture
    def connector(self, erp: SandboxErpConnector) -> SandboxErpConnector:
        return erp

    @pytest.fixture
    def connector_config(self, config_for: Callable[..., dict[str, Any]]) -> Mapping[str, Any]:
        return config_for("erp")

    @pytest.fixture
    def unreachable_config(self) -> Mapping[str, Any]:
        return {"base_url": "http://127.0.0.1:9/erp", "max_attempts": 1}

    @pytest.fixture
    def idempotent_writes(self, erp: SandboxErpConnector) -> Sequence[IdempotentWrite]:
        return [
            IdempotentWrite(
                port="ErpGateway",
                name="post_invoice",
                write=lambda: erp.post_invoice(invoice("INV-DE01-000009"), key("INV-DE01-000009")),
                count=lambda: int(erp.summary()["documents"]),
            )
        ]

    @pytest.fixture
    def stream_cases(self, erp: SandboxErpConnector) -> Sequence[StreamCase]:
        numbers = count(1)

        def post(n: int) -> list[str]:
            made = [f"INV-DE01-{next(numbers):06d}" for _ in range(n)]
            for number in made:
                erp.post_invoice(invoice(number), key(number))
            return made

        def pay(n: int) -> list[str]:
            ids = []
            for number in post(n):
                erp.register_payment(
                    number, Decimal("10"), "EUR", dt.date(2026, 2, 1), f"P-{number}"
                )
                ids.append(f"P-{number}")
            return ids

        return [
            StreamCase("documents", post, key=lambda d: str(d.number)),
            StreamCase("payments", pay, key=lambda p: str(p.id)),
        ]

    @pytest.fixture
    def throttled_burst(self, landscape: Landscape, erp: SandboxErpConnector) -> ThrottledBurst:
        landscape.inject("erp", {"kind": "throttle", "count": 5, "path": "/invoices"})

        def write(i: int) -> object:
            number = f"INV-DE01-{100 + i:06d}"
            return erp.post_invoice(invoice(number), key(number))

        # Four writers stay inside the ERP concurrency limit (5), and a burst shorter than the
        # retry budget (6 attempts) cannot exhaust it: every write must land exactly once.
        return ThrottledBurst(write=write, count=lambda: int(erp.summary()["documents"]), workers=4)
