"""The NetSuite connector passes the SDK's contract suite against the simulated account."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from itertools import count
from typing import Any

import pytest

from accord.canonical.v1 import (
    ChargeKind,
    Customer,
    DocumentKind,
    Invoice,
    InvoiceLine,
    TaxCategory,
)
from accord.canonical.v1.finance import LedgerPosting, PostingLine
from accord.connectors.netsuite import NetSuiteErpConnector, connector_factory
from accord.connectors.sdk.testing.suite import (
    IdempotentWrite,
    StreamCase,
    ThrottledBurst,
)
from accord.simulators.netsuite import Simulator
from tests.connectors.simulated import SimulatedContract


def invoice(number: str = "INV-DE01-000001") -> Invoice:
    line = InvoiceLine(
        kind=ChargeKind.TIME,
        description="Consulting, January",
        quantity=Decimal("10"),
        unit_price=Decimal("150.00"),
        net=Decimal("1500.00"),
        tax_category=TaxCategory.STANDARD,
        tax_rate=Decimal("19"),
    )
    return Invoice(
        id=f"doc-{number}",
        number=number,
        kind=DocumentKind.INVOICE,
        type_code="380",
        contract="K1",
        customer="C1",
        entity="DE01",
        currency="EUR",
        issue_date=dt.date(2026, 1, 31),
        lines=[line],
        net_total=Decimal("1500.00"),
        tax_total=Decimal("285.00"),
        gross_total=Decimal("1785.00"),
    )


def journal(number: str = "DE01/2026-01/revenue/K1/EUR") -> LedgerPosting:
    return LedgerPosting(
        document_number=number,
        entity="DE01",
        posting_date=dt.date(2026, 1, 31),
        currency="EUR",
        lines=[
            PostingLine(account="1200", debit=Decimal("1785.00")),
            PostingLine(account="8400", credit=Decimal("1785.00")),
        ],
    )


def seed_payments(simulator: Simulator) -> Callable[[int], list[str]]:
    numbers = count(1)

    def seed(n: int) -> list[str]:
        keys = [f"PAY-{next(numbers)}" for _ in range(n)]
        for key in keys:
            simulator.account.upsert("customerPayment", key, payment_body())
        return keys

    return seed


def payment_body(**changes: Any) -> dict[str, Any]:
    return {
        "tranId": "PYMT-1",
        "customer": {"externalId": "C1"},
        "currency": {"refName": "EUR"},
        "tranDate": "2026-02-01",
        "payment": "1785.00",
        "custbody_accord_invoice": "INV-DE01-000001",
        **changes,
    }


@pytest.fixture
def erp(config_for: Callable[..., dict[str, Any]]) -> NetSuiteErpConnector:
    return connector_factory(config_for())


class TestNetSuiteContract(SimulatedContract):
    @pytest.fixture
    def connector(self, erp: NetSuiteErpConnector) -> NetSuiteErpConnector:
        return erp

    @pytest.fixture
    def unreachable_config(self, config_for: Callable[..., dict[str, Any]]) -> Mapping[str, Any]:
        return {**config_for(), "base_url": "http://127.0.0.1:9", "transport": None,
                "max_attempts": 1}  # fmt: skip

    @pytest.fixture
    def idempotent_writes(
        self, erp: NetSuiteErpConnector, simulator: Simulator
    ) -> Sequence[IdempotentWrite]:
        customer = Customer(id="C1", name="Acme GmbH", country="DE")
        journals = erp.ports()["JournalPosting"]
        return [
            IdempotentWrite(
                port="ErpGateway",
                name="post_invoice",
                write=lambda: erp.post_invoice(invoice(), "post-INV-DE01-000001"),
                count=lambda: simulator.count("invoice"),
            ),
            IdempotentWrite(
                port="ErpGateway",
                name="upsert_customer",
                write=lambda: erp.upsert_customer(customer),
                count=lambda: simulator.count("customer"),
            ),
            IdempotentWrite(
                port="JournalPosting",
                name="post_journal",
                write=lambda: journals.post_journal(journal()),  # type: ignore[attr-defined]
                count=lambda: simulator.count("journalEntry"),
            ),
        ]

    @pytest.fixture
    def stream_cases(self, simulator: Simulator) -> Sequence[StreamCase]:
        return [StreamCase("payments", seed_payments(simulator), key=lambda p: str(p.id))]

    @pytest.fixture
    def throttled_burst(self, simulator: Simulator, erp: NetSuiteErpConnector) -> ThrottledBurst:
        simulator.faults.throttle = 5
        return ThrottledBurst(
            write=lambda i: erp.post_invoice(invoice(f"INV-DE01-{i:06d}"), f"post-{i}"),
            count=lambda: simulator.count("invoice"),
            size=10,
            workers=4,
        )
