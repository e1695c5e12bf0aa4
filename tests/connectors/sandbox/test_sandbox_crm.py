"""The sandbox CRM's change feed and quota, driven through `SandboxCrmConnector`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from itertools import count
from typing import Any

import httpx
import pytest

from accord.canonical.v1 import Contract, Customer, InvoiceStatus
from accord.connectors.sandbox.crm import SandboxCrmConnector, connector_factory
from accord.connectors.sandbox.landscape import Landscape
from accord.connectors.sdk import RejectedError, read_all
from accord.connectors.sdk.testing.suite import (
    ConnectorContract,
    IdempotentWrite,
    StreamCase,
    ThrottledBurst,
)

CONTRACT = Contract(
    id="K1", customer="C1", entity="DE01", currency="EUR", start=dt.date(2026, 1, 1)
)


@pytest.fixture
def crm(config_for: Callable[..., dict[str, Any]]) -> SandboxCrmConnector:
    return connector_factory(config_for("crm"))


@pytest.fixture
def sales(landscape: Landscape) -> httpx.Client:
    """The CRM as salespeople (and other integrations) use it, without Accord's origin."""
    return httpx.Client(base_url=landscape.base_url("crm"))


def create_account(sales: httpx.Client, key: str, name: str) -> str:
    response = sales.patch(
        f"/sobjects/Account/ExtId__c/{key}", json={"Name": name, "BillingCountry": "DE"}
    )
    response.raise_for_status()
    return str(response.json()["id"])


def changes(crm: SandboxCrmConnector) -> list[Customer]:
    return [c for page in read_all(crm.changes, None, 100) for c in page.records]


def test_accords_own_writes_are_not_read_back_as_changes(
    crm: SandboxCrmConnector, sales: httpx.Client
) -> None:
    crm.upsert_account(Customer(id="C1", name="Nordwind AG", country="DE"))
    crm.confirm_activation(CONTRACT)
    create_account(sales, "C2", "Acme Manufacturing")

    assert [c.id for c in changes(crm)] == ["C2"]
    assert len(sales.get("/cdc").json()["events"]) == 3, "the echoes are in the feed"


def test_a_gap_event_makes_the_connector_re_read_the_record(
    landscape: Landscape, crm: SandboxCrmConnector, sales: httpx.Client
) -> None:
    record_id = create_account(sales, "C1", "Nordwind AG")
    landscape.inject("crm", {"kind": "gap", "count": 1})
    sales.patch(f"/sobjects/Account/{record_id}", json={"Name": "Nordwind Holding AG"})
    gap = sales.get("/cdc").json()["events"][-1]
    assert gap["ChangeEventHeader"]["changeType"] == "GAP_UPDATE"
    assert "Name" not in gap

    customers = changes(crm)

    assert [c.name for c in customers] == ["Nordwind AG", "Nordwind Holding AG"]
    assert crm.changes.rereads == 1


def test_one_event_for_several_records_yields_each_record(
    crm: SandboxCrmConnector, sales: httpx.Client
) -> None:
    ids = [create_account(sales, f"C{n}", f"Customer {n}") for n in range(1, 4)]
    update = {
        "records": [
            {"attributes": {"type": "Account"}, "Id": i, "BillingCountry": "AT"} for i in ids
        ]
    }
    sales.patch("/composite/sobjects", json=update).raise_for_status()
    merged = sales.get("/cdc").json()["events"][-1]["ChangeEventHeader"]
    assert merged["recordIds"] == ids

    updated = changes(crm)[3:]

    assert [(c.id, c.country) for c in updated] == [("C1", "AT"), ("C2", "AT"), ("C3", "AT")]


def test_the_daily_request_quota_rejects_until_24_hours_have_passed(
    config_for: Callable[..., dict[str, Any]],
) -> None:
    with Landscape(config={"crm": {"daily_request_limit": 2}}) as limited:
        limited.set_clock(dt.datetime(2026, 1, 31, tzinfo=dt.UTC))
        crm = connector_factory({**config_for("crm"), "base_url": limited.base_url("crm")})
        crm.upsert_account(Customer(id="C1", name="Nordwind AG", country="DE"))
        crm.upsert_account(Customer(id="C2", name="Acme", country="US"))

        with pytest.raises(RejectedError, match="REQUEST_LIMIT_EXCEEDED"):
            crm.upsert_account(Customer(id="C3", name="Globex", country="US"))
        limited.set_clock(dt.datetime(2026, 2, 1, 0, 0, 1, tzinfo=dt.UTC))
        crm.upsert_account(Customer(id="C3", name="Globex", country="US"))


class TestSandboxCrmContract(ConnectorContract):
    @pytest.fixture
    def connector(self, crm: SandboxCrmConnector) -> SandboxCrmConnector:
        return crm

    @pytest.fixture
    def connector_config(self, config_for: Callable[..., dict[str, Any]]) -> Mapping[str, Any]:
        return config_for("crm")

    @pytest.fixture
    def idempotent_writes(self, crm: SandboxCrmConnector) -> Sequence[IdempotentWrite]:
        return [
            IdempotentWrite(
                port="CrmGateway",
                name="confirm_activation",
                write=lambda: crm.confirm_activation(CONTRACT),
                count=lambda: crm.count("Contract"),
            )
        ]

    @pytest.fixture
    def stream_cases(self, sales: httpx.Client) -> Sequence[StreamCase]:
        numbers = count(1)

        def seed(n: int) -> list[str]:
            keys = [f"C{next(numbers)}" for _ in range(n)]
            for key in keys:
                create_account(sales, key, f"Customer {key}")
            return keys

        return [StreamCase("accounts", seed, key=lambda c: str(c.id))]

    @pytest.fixture
    def throttled_burst(self, landscape: Landscape, crm: SandboxCrmConnector) -> ThrottledBurst:
        landscape.inject(
            "crm", {"kind": "throttle", "count": 5, "path": "/sobjects/Invoice__c/ExtId__c"}
        )
        return ThrottledBurst(
            write=lambda i: crm.record_invoice_status(f"INV-DE01-{i:06d}", InvoiceStatus.POSTED),
            count=lambda: crm.count("Invoice__c"),
        )
