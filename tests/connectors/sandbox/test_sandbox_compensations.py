"""The compensations a rejected activation runs, and the PSA rate card, on each sandbox
system: each sets its record back once, a repeat changes nothing, and a record the
system never got is left absent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from accord.canonical.v1 import Contract, Customer, Project
from accord.connectors.sandbox import billing, crm, erp, psa
from accord.connectors.sdk import RejectedError

Config = Callable[..., dict[str, Any]]


def _contract(cap: str | None = None) -> Contract:
    term: dict[str, Any] = {
        "id": "TM",
        "type": "time_and_materials",
        "rates": [{"role": "*", "rate": "150", "from": "2026-01-01"}],
        "person_rates": [{"resource": "R1", "rate": "180", "from": "2026-01-01"}],
    }
    if cap:
        term["cap"] = cap
    return Contract.model_validate(
        {
            "id": "K1",
            "customer": "C1",
            "entity": "DE01",
            "currency": "EUR",
            "start": "2026-01-01",
            "terms": [term],
            "status": "signed",
            "updated_at": dt.datetime(2026, 1, 2, tzinfo=dt.UTC),
        }
    )


def _project() -> Project:
    return Project(id="K1", contract="K1", name="Nordwind K1", customer="C1", entity="DE01")


def test_an_erp_project_is_deactivated_once_and_keeps_its_customer(config_for: Config) -> None:
    gateway = erp.SandboxErpConnector(config_for("erp"))
    gateway.upsert_customer(Customer(id="C1", name="Nordwind AG", country="DE"))
    gateway.upsert_project(_project())

    gateway.deactivate_project("K1")
    once = gateway.read_project("K1")
    gateway.deactivate_project("K1")
    gateway.deactivate_project("K-never-created")

    assert once is not None and once["isinactive"] is True and once["customer"] == "C1"
    assert gateway.read_project("K1") == once
    assert gateway.read_project("K-never-created") is None


def test_billing_terms_are_withdrawn_once_and_republished_as_active(config_for: Config) -> None:
    gateway = billing.SandboxBillingConnector(config_for("billing"))
    gateway.publish_terms(_contract())

    gateway.withdraw_terms("K1")
    once = gateway.read_terms("K1")
    gateway.withdraw_terms("K1")
    gateway.withdraw_terms("K-never-created")

    assert once is not None and once["status"] == "withdrawn"
    assert gateway.read_terms("K1") == once
    assert gateway.read_terms("K-never-created") is None
    assert gateway.count("contracts") == 1


def test_a_psa_project_is_closed_once_and_its_rate_card_follows_the_terms(
    config_for: Config,
) -> None:
    gateway = psa.SandboxPsaConnector(config_for("psa"))
    with pytest.raises(RejectedError) as no_project:
        gateway.publish_rates(_contract())
    assert no_project.value.status == 404
    gateway.provision_project(_project(), _contract())

    gateway.publish_rates(_contract())
    gateway.publish_rates(_contract(cap="20000"))
    gateway.publish_rates(_contract(cap="20000"))
    card = gateway.read_rate_card("K1")
    gateway.close_project("K1")
    gateway.close_project("K1")
    gateway.close_project("K-never-created")

    assert card is not None and card["version"] == 2
    assert card["rates"] == [{"term": "TM", "role": "*", "rate": "150", "from": "2026-01-01"}]
    assert card["person_rates"] == [
        {"term": "TM", "user_id": "R1", "rate": "180", "from": "2026-01-01"}
    ]
    assert card["budgets"] == [{"term": "TM", "cap": "20000"}]
    closed = gateway.read_project("K1")
    assert closed is not None and closed["status"] == "closed" and closed["version"] == 2
    assert gateway.read_project("K-never-created") is None


def test_a_crm_activation_is_withdrawn_to_draft_and_never_created(config_for: Config) -> None:
    gateway = crm.SandboxCrmConnector(config_for("crm"))
    gateway.confirm_activation(_contract())

    gateway.withdraw_activation("K1")
    gateway.withdraw_activation("K1")
    gateway.withdraw_activation("K-never-created")

    withdrawn = gateway.read_contract("K1")
    assert withdrawn is not None and withdrawn["Status"] == "Draft"
    assert gateway.read_contract("K-never-created") is None
    assert gateway.count("Contract") == 1
