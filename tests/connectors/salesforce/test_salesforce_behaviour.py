"""The Salesforce connectors against the simulated org: paging, faults, tokens, all-or-none
writes, mapping errors and a firm's mapping override from its landscape file."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from accord.canonical.v1 import Payment
from accord.connectors.salesforce import MAPPINGS, clm_connector_factory, connector_factory
from accord.connectors.sdk import RejectedError, ThrottledError, UnavailableError, read_all
from accord.connectors.sdk.testing import FakeSleep
from accord.landscape import load_landscape
from accord.simulators.salesforce import Simulator
from accord.simulators.salesforce.app import OPEN_CURSORS
from tests.connectors.salesforce.test_salesforce_contract import (
    CONTRACT,
    contract_fields,
    seed_accounts,
)
from tests.connectors.simulated import Config, ids_read_across_token_expiry


def test_pages_follow_next_records_url_and_duplicated_records_are_skipped(
    simulator: Simulator, config_for: Config
) -> None:
    crm = connector_factory(config_for(batch_size=2))
    keys = seed_accounts(simulator)(7)
    simulator.faults.duplicates = True

    pages = list(read_all(crm.accounts, None, limit=5))

    delivered = [c.id for page in pages for c in page.records]
    assert delivered == keys
    assert [len(page.records) for page in pages] == [5, 2]
    assert any("/query/" in line for line in simulator.log), "batches via nextRecordsUrl"


def test_a_record_the_mapping_cannot_read_is_rejected_and_the_rest_proceed(
    simulator: Simulator, config_for: Config
) -> None:
    crm = connector_factory(config_for())
    seed = seed_accounts(simulator)
    seed(1)
    simulator.org.upsert("Account", "Accord_Id__c", "C9", {"Name": "No Country Ltd"})
    seed(1)

    page = crm.accounts.read(None, 10)

    assert [c.id for c in page.records] == ["C1", "C2"]
    (rejected,) = page.rejected
    assert rejected.kind == "customer"
    assert rejected.payload["Accord_Id__c"] == "C9"
    assert "column 'BillingCountry'" in rejected.reason and "Accord_Id__c=C9" in rejected.reason


def test_an_expired_token_is_refreshed_once_mid_stream(
    simulator: Simulator, config_for: Config
) -> None:
    crm = connector_factory(config_for())
    seed_accounts(simulator)(2)

    ids = ids_read_across_token_expiry(crm.accounts, simulator)

    assert ids == ["C1", "C2"]
    assert crm.session.token_fetches == 2


def test_a_partial_all_or_none_failure_writes_nothing(
    simulator: Simulator, config_for: Config
) -> None:
    crm = connector_factory(config_for())
    simulator.org.validation_rules["Invoice__c"] = "Invoices are locked during the audit"
    payment = Payment(
        id="P1", invoice="INV-1", amount="10.00", currency="EUR", received_on=dt.date(2026, 2, 1)
    )

    with pytest.raises(RejectedError, match=r"Invoice__c Accord_Id__c=INV-1.*locked.*nothing"):
        crm.record_payment(payment)

    assert simulator.count("Payment__c") == 0, "the payment was rolled back with the invoice"
    del simulator.org.validation_rules["Invoice__c"]
    crm.record_payment(payment)
    assert (simulator.count("Payment__c"), simulator.count("Invoice__c")) == (1, 1)


def test_an_outage_ends_in_unavailable_after_the_retries_and_the_check_says_so(
    simulator: Simulator, config_for: Config
) -> None:
    crm = connector_factory(config_for(max_attempts=3))
    simulator.faults.outage = True

    with pytest.raises(UnavailableError, match="HTTP 503 after 3 attempt"):
        crm.accounts.read(None, 10)
    result = crm.check(config_for(max_attempts=1))

    assert not result.ok and "503" in result.message
    assert result.details["authenticated"] is False


def test_a_renamed_custom_field_in_the_firms_mapping_changes_the_canonical_record(
    simulator: Simulator, config_for: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = (MAPPINGS / "account-customer.yaml").read_text()
    (tmp_path / "mappings").mkdir()
    (tmp_path / "mappings" / "accounts.yaml").write_text(
        shipped.replace("key: Accord_Id__c", "key: Customer_Number__c")
        .replace("{name: Accord_Id__c, type: string}", "{name: Customer_Number__c, type: string}")
        .replace("id: Accord_Id__c", "id: Customer_Number__c")
    )
    (tmp_path / "landscape.yaml").write_text(
        "version: 1\nsandbox: {}\nsystems:\n  crm:\n    connector: salesforce\n"
        "    base_url: https://acme.my.salesforce.test\n    settings:\n"
        "      client_id: accord-app\n      client_secret: {env: SF_SECRET}\n"
        "      mapping: mappings/accounts.yaml\n"
    )
    monkeypatch.setenv("SF_SECRET", simulator.client_secret)
    settings = load_landscape(tmp_path / "landscape.yaml").connector_config("systems.crm")
    test_only = {k: v for k, v in config_for().items() if k in ("transport", "sleep", "clock")}
    account = {"Name": "Nordwind AG", "BillingCountry": "DE", "Customer_Number__c": "CUST-7"}
    simulator.org.upsert("Account", "Accord_Id__c", "C1", account)

    default = connector_factory(config_for()).accounts.read(None, 10).records
    firm = connector_factory(settings | test_only).accounts.read(None, 10).records

    assert [c.id for c in default] == ["C1"]
    assert [c.id for c in firm] == ["CUST-7"]


def test_the_jwt_bearer_flow_signs_in_with_the_apps_certificate_key(
    simulator: Simulator, config_for: Config, tmp_path: Path
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    (tmp_path / "app.key").write_bytes(pem)
    public = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    # the assertion's expiry is checked against the wall clock, as Salesforce does
    jwt_settings = {"client_secret": None, "username": "integration@acme.test", "clock": time.time}
    seed_accounts(simulator)(1)
    crm = connector_factory(config_for(private_key_file=str(tmp_path / "app.key"), **jwt_settings))

    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    simulator.jwt_public_key = other.public_bytes(
        Encoding.PEM, PublicFormat.SubjectPublicKeyInfo
    ).decode()
    refused = crm.check(config_for(private_key_file=str(tmp_path / "app.key"), **jwt_settings))
    simulator.jwt_public_key = public.decode()
    records = crm.accounts.read(None, 10).records

    assert not refused.ok and "invalid_grant" in refused.message
    assert [c.id for c in records] == ["C1"]


def test_the_simulator_refuses_a_composite_request_of_more_than_25(
    simulator: Simulator, config_for: Config
) -> None:
    crm = connector_factory(config_for())
    sub = {"method": "PATCH", "url": "/services/data/v62.0/sobjects/Invoice__c/Accord_Id__c/I"}

    with pytest.raises(RejectedError, match="INVALID_BATCH_REQUEST"):
        crm.session.call("POST", "/composite", json={"compositeRequest": [sub] * 26})

    assert simulator.count("Invoice__c") == 0


def test_withdrawing_an_activation_sets_the_contract_back_to_draft_and_creates_nothing(
    simulator: Simulator, config_for: Config
) -> None:
    crm = connector_factory(config_for())
    crm.confirm_activation(CONTRACT)

    crm.withdraw_activation("K1")
    crm.withdraw_activation("K404")

    (contract,) = simulator.org.records["Contract"].values()
    assert (contract["Accord_Id__c"], contract["Accord_Status__c"]) == ("K1", "Draft")


def test_the_clm_gateway_reads_signed_contracts_since_a_day_and_one_by_id(
    simulator: Simulator, config_for: Config
) -> None:
    clm = clm_connector_factory(config_for())
    simulator.org.upsert("Contract", "Accord_Id__c", "K1", contract_fields())
    simulator.org.upsert("Contract", "Accord_Id__c", "K2", contract_fields(Status="Draft"))
    simulator.org.now += dt.timedelta(days=2)
    simulator.org.upsert("Contract", "Accord_Id__c", "K3", contract_fields())

    assert [c.id for c in clm.signed_contracts(None)] == ["K1", "K3"]
    assert [c.id for c in clm.signed_contracts(dt.date(2026, 2, 1))] == ["K3"]
    found = clm.get_contract("K2")
    assert found is not None and found.status == "draft"
    assert clm.get_contract("K404") is None


def test_the_connector_stops_before_the_orgs_daily_limit_and_the_org_refuses_past_it(
    simulator: Simulator, config_for: Config
) -> None:
    simulator.daily_limit = 4
    careful = connector_factory(config_for(stop_at=0.5))
    careful.accounts.read(None, 10)
    careful.accounts.read(None, 10)

    with pytest.raises(ThrottledError, match="2 of the org's 4 daily API calls"):
        careful.accounts.read(None, 10)
    assert simulator.used == 2, "the connector made no call past its threshold"
    simulator.used = simulator.daily_limit  # the org's other integrations spent the rest
    with pytest.raises(ThrottledError, match="daily API request limit is spent"):
        connector_factory(config_for()).accounts.read(None, 10)


def test_the_orgs_daily_count_of_api_calls_starts_over_a_day_later(
    simulator: Simulator, config_for: Config, fake_sleep: FakeSleep
) -> None:
    simulator.window_opened = fake_sleep.clock()
    simulator.used = simulator.daily_limit
    with pytest.raises(ThrottledError, match="daily API request limit is spent"):
        connector_factory(config_for()).accounts.read(None, 10)

    fake_sleep.clock.advance(24 * 3600)
    connector_factory(config_for()).accounts.read(None, 10)

    assert 0 < simulator.used < 5


def test_an_eleventh_open_query_cursor_releases_the_oldest(
    simulator: Simulator, config_for: Config
) -> None:
    crm = connector_factory(config_for(batch_size=2))
    seed_accounts(simulator)(3)
    query = {"q": "SELECT Id FROM Account"}
    opened = [crm.session.call("GET", "/query", params=query).json() for _ in range(11)]

    with pytest.raises(RejectedError, match="INVALID_QUERY_LOCATOR"):
        crm.session.call("GET", opened[0]["nextRecordsUrl"])
    rest = crm.session.call("GET", opened[1]["nextRecordsUrl"]).json()

    assert len(simulator.cursors) == OPEN_CURSORS
    assert [r["attributes"]["type"] for r in rest["records"]] == ["Account"]


def _late_account_ids(simulator: Simulator, config_for: Config, look_back: int) -> list[str]:
    """Accounts read after C3 commits late: stamped as C1 was, visible only after C1
    and C2 were read (its transaction began before C2's and ended after the read)."""
    crm = connector_factory(config_for(look_back_seconds=look_back))
    seed_accounts(simulator)(2)
    first = crm.accounts.read(None, 10)
    simulator.org.upsert("Account", "Accord_Id__c", "C3", {"Name": "Late", "BillingCountry": "DE"})
    accounts = simulator.org.records["Account"]
    stamp_of = {r["Accord_Id__c"]: r["SystemModstamp"] for r in accounts.values()}
    late = next(r for r in accounts.values() if r["Accord_Id__c"] == "C3")
    late["SystemModstamp"] = stamp_of["C1"]

    later = crm.accounts.read(first.next_cursor, 10)
    again = crm.accounts.read(later.next_cursor, 10)

    return [c.id for page in (first, later, again) for c in page.records]


def test_a_record_stamped_before_the_cursor_but_visible_after_it_is_read_exactly_once(
    simulator: Simulator, config_for: Config
) -> None:
    assert _late_account_ids(simulator, config_for, look_back=300) == ["C1", "C2", "C3"]


def test_without_a_look_back_a_late_visible_record_is_missed(
    simulator: Simulator, config_for: Config
) -> None:
    assert _late_account_ids(simulator, config_for, look_back=0) == ["C1", "C2"]


def test_the_payments_fed_back_are_listed_for_reconciliation_batch_after_batch(
    simulator: Simulator, config_for: Config
) -> None:
    crm = connector_factory(config_for(batch_size=2))
    for number in range(1, 6):
        crm.record_payment(
            Payment(
                id=f"P{number}",
                invoice=f"INV-{number}",
                amount=f"{number}0.50",
                currency="EUR",
                received_on=dt.date(2026, 2, number),
            )
        )
    simulator.org.upsert("Payment__c", "Id", "not-accords", {"Amount__c": "1.00"})

    listed = sorted(crm.listings.payment_records(), key=lambda p: p.key)

    assert [(p.key, p.invoice, p.amount, p.on) for p in listed[::4]] == [
        ("P1", "INV-1", Decimal("10.50"), dt.date(2026, 2, 1)),
        ("P5", "INV-5", Decimal("50.50"), dt.date(2026, 2, 5)),
    ]
    assert len(listed) == 5
    assert sum("/query/" in line for line in simulator.log) >= 2, "followed nextRecordsUrl"
