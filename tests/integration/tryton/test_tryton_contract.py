"""The Tryton connector passes the SDK's standard connector suite against a live trytond:
a healthy check, idempotent writes and resumable streams of payments and documents."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import pytest

from accord.canonical.v1.finance import LedgerPosting, PostingLine
from accord.connectors.sdk import BATCH_POSTING, idempotency_key
from accord.connectors.sdk.testing.suite import (
    ConnectorContract,
    IdempotentWrite,
    StreamCase,
    ThrottledBurst,
)
from accord.connectors.tryton import TrytonErpConnector
from accord.connectors.tryton.testing import RunningTryton
from tests.integration.tryton.tryton_helpers import (
    customer,
    document,
    line,
    register_payment,
    unique,
)

pytestmark = pytest.mark.tryton


def _customer_invoices(erp: TrytonErpConnector) -> int:
    return int(erp.rpc.model("account.invoice", "search_count", [("type", "=", "out")]))


def _moves(erp: TrytonErpConnector) -> int:
    return int(erp.rpc.model("account.move", "search_count", []))


def _journal_entry(key: str) -> LedgerPosting:
    """A small balanced entry on two accounts of the test database's standard chart."""
    return LedgerPosting(
        document_number=key,
        entity="DE01",
        posting_date=dt.date(2026, 1, 31),
        currency="EUR",
        lines=[
            PostingLine(account="1.4.2", debit=Decimal("10.01"), description="unbilled"),
            PostingLine(account="4.2.2", credit=Decimal("10.01"), description="revenue"),
        ],
    )


class TestTrytonConnectorContract(ConnectorContract):
    @pytest.fixture
    def connector_config(self, tryton_server: RunningTryton) -> Mapping[str, Any]:
        return {
            "url": tryton_server.url,
            "database": tryton_server.database,
            "login": tryton_server.login,
            "password": tryton_server.password,
        }

    @pytest.fixture
    def unreachable_config(self, tryton_server: RunningTryton) -> Mapping[str, Any]:
        return {"url": "http://127.0.0.1:9", "database": "accord", "login": "a", "password": "b"}

    @pytest.fixture
    def customer_id(self, connector: TrytonErpConnector) -> str:
        customer_id = unique("C-CONTRACT")
        connector.upsert_customer(customer(customer_id))
        return customer_id

    @pytest.fixture
    def idempotent_writes(
        self, connector: TrytonErpConnector, customer_id: str
    ) -> Sequence[IdempotentWrite]:
        number = unique("INV-ONCE")
        invoice = document(number, customer_id, [line("consultant", "3", "95.50")])
        key = idempotency_key("erp", "post-invoice", number)
        entry = _journal_entry(unique("DE01/2026-01/revenue/K-ONCE") + "/EUR")
        journals = connector.ports()["JournalPosting"]
        batched = document(unique("INV-BATCH"), customer_id, [line("consultant", "2", "80.00")])
        batch_key = idempotency_key("erp", "post-invoice", batched.number)
        batches = connector.ports()[BATCH_POSTING]
        return [
            IdempotentWrite(
                port="ErpGateway",
                name="post_invoice",
                write=lambda: connector.post_invoice(invoice, key),
                count=lambda: _customer_invoices(connector),
            ),
            IdempotentWrite(
                port="JournalPosting",
                name="post_journal",
                write=lambda: journals.post_journal(entry),  # type: ignore[attr-defined]
                count=lambda: _moves(connector),
            ),
            IdempotentWrite(
                port=BATCH_POSTING,
                name="post_invoices",
                write=lambda: batches.post_invoices([(batched, batch_key)])[0],  # type: ignore[attr-defined]
                count=lambda: _customer_invoices(connector),
            ),
        ]

    @pytest.fixture
    def stream_cases(self, connector: TrytonErpConnector, customer_id: str) -> Sequence[StreamCase]:
        def post(n: int) -> list[str]:
            numbers = [unique("INV-STREAM") for _ in range(n)]
            for number in numbers:
                invoice = document(number, customer_id, [line("consultant", "10", "100")])
                connector.post_invoice(invoice, idempotency_key("erp", "post", number))
            return numbers

        paid: list[str] = []  # one invoice takes every payment

        def pay(n: int) -> list[str]:
            """n partial payments, recorded as an accountant records them in Tryton."""
            if not paid:
                paid.extend(post(1))
            posted = connector.get_invoice(paid[0])
            assert posted is not None
            before = {p.id for p in connector.list_payments(None)}
            for _ in range(n):
                register_payment(
                    connector.rpc, int(posted.external_id), Decimal("10.00"), dt.date.today()
                )
            return [p.id for p in connector.list_payments(None) if p.id not in before]

        return [
            StreamCase("documents", post, key=lambda invoice: str(invoice.number)),
            StreamCase("payments", pay, key=lambda payment: str(payment.id)),
        ]

    @pytest.fixture
    def throttled_burst(self) -> ThrottledBurst:
        pytest.skip("a test trytond does not throttle (HTTP 429 handling is unit-tested)")
