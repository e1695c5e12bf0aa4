"""Both Salesforce connectors pass the SDK's contract suite against the simulated org."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from itertools import count
from typing import Any

import pytest

from accord.canonical.v1 import Contract, InvoiceStatus, Payment
from accord.connectors.salesforce import (
    SalesforceClmConnector,
    SalesforceCrmConnector,
    clm_connector_factory,
    connector_factory,
)
from accord.connectors.sdk.testing.suite import (
    IdempotentWrite,
    StreamCase,
    ThrottledBurst,
)
from accord.simulators.salesforce import Simulator
from tests.connectors.simulated import ReadOnlyContract, SimulatedContract

CONTRACT = Contract(
    id="K1", customer="C1", entity="DE01", currency="EUR", start=dt.date(2026, 1, 1)
)
TERMS = [{"type": "fixed_fee", "id": "ff", "fee": "1000.00"}]


def seed_accounts(simulator: Simulator) -> Callable[[int], list[str]]:
    numbers = count(1)

    def seed(n: int) -> list[str]:
        keys = [f"C{next(numbers)}" for _ in range(n)]
        for key in keys:
            simulator.org.upsert(
                "Account", "Accord_Id__c", key, {"Name": f"Customer {key}", "BillingCountry": "DE"}
            )
        return keys

    return seed


def seed_contracts(simulator: Simulator) -> Callable[[int], list[str]]:
    numbers = count(1)

    def seed(n: int) -> list[str]:
        keys = [f"K{next(numbers)}" for _ in range(n)]
        for key in keys:
            simulator.org.upsert("Contract", "Accord_Id__c", key, contract_fields())
        return keys

    return seed


def contract_fields(**changes: Any) -> dict[str, Any]:
    return {
        "Accord_Customer__c": "C1",
        "Accord_Entity__c": "DE01",
        "CurrencyIsoCode": "EUR",
        "StartDate": "2026-01-01",
        "Status": "Activated",
        "CustomerSignedDate": "2025-12-20",
        "Billing_Terms__c": json.dumps(TERMS),
        **changes,
    }


@pytest.fixture
def crm(config_for: Callable[..., dict[str, Any]]) -> SalesforceCrmConnector:
    return connector_factory(config_for(batch_size=2))


@pytest.fixture
def clm(config_for: Callable[..., dict[str, Any]]) -> SalesforceClmConnector:
    return clm_connector_factory(config_for(batch_size=2))


class TestSalesforceCrmContract(SimulatedContract):
    @pytest.fixture
    def connector(self, crm: SalesforceCrmConnector) -> SalesforceCrmConnector:
        return crm

    @pytest.fixture
    def unreachable_config(self) -> Mapping[str, Any]:
        return {
            "base_url": "http://127.0.0.1:9",
            "client_id": "accord-app",
            "client_secret": "s3cret",
            "max_attempts": 1,
        }

    @pytest.fixture
    def idempotent_writes(self, crm: SalesforceCrmConnector) -> Sequence[IdempotentWrite]:
        payment = Payment(
            id="P1",
            invoice="INV-DE01-000001",
            amount="100.00",
            currency="EUR",
            received_on=dt.date(2026, 2, 1),
        )
        return [
            IdempotentWrite(
                port="CrmGateway",
                name="confirm_activation",
                write=lambda: crm.confirm_activation(CONTRACT),
                count=lambda: crm.count("Contract"),
            ),
            IdempotentWrite(
                port="CrmGateway",
                name="record_payment",
                write=lambda: crm.record_payment(payment),
                count=lambda: crm.count("Payment__c"),
            ),
        ]

    @pytest.fixture
    def stream_cases(self, simulator: Simulator) -> Sequence[StreamCase]:
        return [StreamCase("accounts", seed_accounts(simulator), key=lambda c: str(c.id))]

    @pytest.fixture
    def throttled_burst(self, simulator: Simulator, crm: SalesforceCrmConnector) -> ThrottledBurst:
        simulator.faults.throttle = 5
        return ThrottledBurst(
            write=lambda i: crm.record_invoice_status(f"INV-DE01-{i:06d}", InvoiceStatus.POSTED),
            count=lambda: simulator.count("Invoice__c"),
            size=10,
            workers=4,
        )


class TestSalesforceClmContract(ReadOnlyContract):
    port = "ClmGateway"

    @pytest.fixture
    def connector(self, clm: SalesforceClmConnector) -> SalesforceClmConnector:
        return clm

    @pytest.fixture
    def unreachable_config(self, config_for: Callable[..., dict[str, Any]]) -> Mapping[str, Any]:
        return config_for(client_secret="wrong")

    @pytest.fixture
    def stream_cases(self, simulator: Simulator) -> Sequence[StreamCase]:
        return [StreamCase("contracts", seed_contracts(simulator), key=lambda c: str(c.id))]
