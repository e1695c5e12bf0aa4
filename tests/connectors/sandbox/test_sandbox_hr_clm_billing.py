"""The sandbox HR, CLM and billing systems, driven through their connectors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from itertools import count
from typing import Any

import httpx
import pytest

from accord.canonical.v1 import Contract, Payment
from accord.connectors.sandbox import billing, clm, hr
from accord.connectors.sandbox.landscape import Landscape
from accord.connectors.sdk.testing.suite import (
    ConnectorContract,
    IdempotentWrite,
    StreamCase,
    ThrottledBurst,
)
from tests.connectors.sandbox.sandbox_samples import invoice

TERMS = [
    {
        "id": "TM",
        "type": "time_and_materials",
        "rates": [{"role": "*", "rate": "150", "from": "2026-01-01"}],
        "cap": "50000",
    }
]


def hire(client: httpx.Client, worker: str, entity: str = "DE01") -> None:
    body = {
        "name": f"Consultant {worker}",
        "role": "consultant",
        "employment": [{"entity": entity, "effective_from": "2025-01-01"}],
        "cost_rates": [{"rate": "70", "currency": "EUR", "effective_from": "2025-01-01"}],
    }
    client.put(f"/workers/eid:{worker}", json=body).raise_for_status()


def draft_and_sign(client: httpx.Client, contract: str) -> None:
    body = {
        "customer": "C1",
        "entity": "DE01",
        "currency": "EUR",
        "start": "2026-01-01",
        "terms": TERMS,
    }
    client.put(f"/contracts/eid:{contract}", json=body).raise_for_status()
    client.post(
        f"/contracts/eid:{contract}/sign", json={"signed_on": "2026-01-15"}
    ).raise_for_status()


def test_a_retroactive_transfer_splits_the_employment_history(
    landscape: Landscape, config_for: Callable[..., dict[str, Any]]
) -> None:
    people = httpx.Client(base_url=landscape.base_url("hr"))
    hire(people, "R2")
    people.post(
        "/workers/eid:R2/employment", json={"entity": "US01", "effective_from": "2026-01-01"}
    ).raise_for_status()

    worker = hr.connector_factory(config_for("hr")).get_worker("R2")

    assert worker is not None
    assert [(e.entity, e.valid_from, e.to) for e in worker.employment] == [
        ("DE01", dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
        ("US01", dt.date(2026, 1, 1), None),
    ]


def test_an_amendment_raises_the_cap_of_a_signed_contract(
    landscape: Landscape, config_for: Callable[..., dict[str, Any]]
) -> None:
    legal = httpx.Client(base_url=landscape.base_url("clm"))
    draft_and_sign(legal, "K1")
    legal.post(
        "/contracts/eid:K1/amendments",
        json={"term": "TM", "effective_from": "2026-04-10", "changes": {"cap": "100000"}},
    ).raise_for_status()

    contract = clm.connector_factory(config_for("clm")).get_contract("K1")

    assert contract is not None and contract.status == "signed"
    assert contract.term("TM").cap == Decimal("100000")  # type: ignore[union-attr]


class TestSandboxHrContract(ConnectorContract):
    @pytest.fixture
    def connector(self, config_for: Callable[..., dict[str, Any]]) -> hr.SandboxHrConnector:
        return hr.connector_factory(config_for("hr"))

    @pytest.fixture
    def connector_config(self, config_for: Callable[..., dict[str, Any]]) -> Mapping[str, Any]:
        return config_for("hr")

    def test_every_writer_is_idempotent(self) -> None:
        pytest.skip("HrGateway only reads; nothing to write twice")

    @pytest.fixture
    def throttled_burst(self) -> ThrottledBurst:
        pytest.skip("HrGateway only reads; a throttled burst of writes does not apply")

    @pytest.fixture
    def stream_cases(self, landscape: Landscape) -> Sequence[StreamCase]:
        people = httpx.Client(base_url=landscape.base_url("hr"))
        numbers = count(1)

        def seed(n: int) -> list[str]:
            ids = [f"R{next(numbers)}" for _ in range(n)]
            for worker in ids:
                hire(people, worker)
            return ids

        return [StreamCase("workers", seed, key=lambda r: str(r.id))]


class TestSandboxClmContract(ConnectorContract):
    @pytest.fixture
    def connector(self, config_for: Callable[..., dict[str, Any]]) -> clm.SandboxClmConnector:
        return clm.connector_factory(config_for("clm"))

    @pytest.fixture
    def connector_config(self, config_for: Callable[..., dict[str, Any]]) -> Mapping[str, Any]:
        return config_for("clm")

    def test_every_writer_is_idempotent(self) -> None:
        pytest.skip("ClmGateway only reads; nothing to write twice")

    @pytest.fixture
    def throttled_burst(self) -> ThrottledBurst:
        pytest.skip("ClmGateway only reads; a throttled burst of writes does not apply")

    @pytest.fixture
    def stream_cases(self, landscape: Landscape) -> Sequence[StreamCase]:
        legal = httpx.Client(base_url=landscape.base_url("clm"))
        numbers = count(1)

        def seed(n: int) -> list[str]:
            ids = [f"K{next(numbers)}" for _ in range(n)]
            for contract in ids:
                draft_and_sign(legal, contract)
            return ids

        return [StreamCase("contracts", seed, key=lambda c: str(c.id))]


class TestSandboxBillingContract(ConnectorContract):
    @pytest.fixture
    def connector(
        self, config_for: Callable[..., dict[str, Any]]
    ) -> billing.SandboxBillingConnector:
        return billing.connector_factory(config_for("billing"))

    @pytest.fixture
    def connector_config(self, config_for: Callable[..., dict[str, Any]]) -> Mapping[str, Any]:
        return config_for("billing")

    @pytest.fixture
    def idempotent_writes(
        self, connector: billing.SandboxBillingConnector
    ) -> Sequence[IdempotentWrite]:
        document = invoice("INV-DE01-000001")
        contract = Contract(
            id="K1", customer="C1", entity="DE01", currency="EUR", start=dt.date(2026, 1, 1)
        )
        payment = Payment(
            id="P1",
            invoice="INV-DE01-000001",
            amount=Decimal("100"),
            currency="EUR",
            received_on=dt.date(2026, 2, 1),
        )
        return [
            IdempotentWrite(
                "BillingGateway",
                "record_invoice",
                lambda: connector.record_invoice(document, "K1-INV-1"),
                lambda: connector.count("documents"),
            ),
            IdempotentWrite(
                "BillingGateway",
                "publish_terms",
                lambda: connector.publish_terms(contract),
                lambda: connector.count("contracts"),
            ),
            IdempotentWrite(
                "BillingGateway",
                "record_payment",
                lambda: connector.record_payment(payment),
                lambda: connector.count("payments"),
            ),
        ]

    @pytest.fixture
    def stream_cases(self) -> Sequence[StreamCase]:
        return []

    @pytest.fixture
    def throttled_burst(
        self, landscape: Landscape, connector: billing.SandboxBillingConnector
    ) -> ThrottledBurst:
        landscape.inject("billing", {"kind": "throttle", "count": 5, "path": "/documents/eid:"})

        def write(i: int) -> object:
            return connector.record_invoice(invoice(f"INV-DE01-{i:06d}"), f"key-{i}")

        return ThrottledBurst(write=write, count=lambda: len(connector.list_documents()))
