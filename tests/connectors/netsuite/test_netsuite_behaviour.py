"""How the NetSuite connector behaves against the simulated account: paging, tokens, the
concurrency limit, posted totals read back, refusals, listings and a mapping override."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from accord.canonical.v1 import Customer, Project
from accord.connectors.netsuite import MAPPINGS, NetSuiteErpConnector, connector_factory
from accord.connectors.netsuite.listings import NetSuiteListings
from accord.connectors.sdk import RejectedError, read_all
from accord.simulators.netsuite import Simulator
from tests.connectors.netsuite.conftest import AccountClock
from tests.connectors.netsuite.test_netsuite_contract import invoice, payment_body
from tests.connectors.simulated import Config


@pytest.fixture
def erp(config_for: Config) -> NetSuiteErpConnector:
    return connector_factory(config_for())


def test_posting_reads_back_the_totals_netsuite_computed_as_decimals(
    erp: NetSuiteErpConnector, simulator: Simulator
) -> None:
    posted = erp.post_invoice(invoice(), "post-1")

    assert posted.number == "INV-DE01-000001"
    assert posted.totals is not None
    assert (posted.totals.untaxed, posted.totals.tax, posted.totals.total) == (
        Decimal("1500.00"), Decimal("285.00"), Decimal("1785.00"),
    )  # fmt: skip
    stored = simulator.account.get("invoice", "eid:post-1")
    assert stored["item"]["items"][0]["rate"] == "150.00", "money travels as Decimal strings"
    assert erp.get_invoice("INV-DE01-000001") == posted
    simulator.account.upsert("customerPayment", "PAY-1", payment_body(payment="785.00"))
    (document,) = erp.list_documents()
    assert (document.number, document.gross_total) == ("INV-DE01-000001", Decimal("1785.00"))
    assert (document.status.value, document.paid) == ("partially_paid", Decimal("785.00"))


def test_a_closed_period_is_refused_with_netsuites_reason(
    erp: NetSuiteErpConnector, simulator: Simulator
) -> None:
    simulator.account.closed_periods.add("2026-01")

    with pytest.raises(RejectedError, match="INVALID_PERIOD") as refused:
        erp.post_invoice(invoice(), "post-1")

    assert "INV-DE01-000001" in refused.value.reason
    assert simulator.count("invoice") == 0


def test_suiteql_pages_until_has_more_is_false(
    erp: NetSuiteErpConnector, simulator: Simulator
) -> None:
    for n in range(7):
        simulator.account.upsert("customerPayment", f"PAY-{n}", payment_body())

    pages = list(read_all(erp.payments, None, 3))

    assert [len(page.records) for page in pages] == [3, 3, 1]
    assert [p.amount for page in pages for p in page.records] == [Decimal("1785.00")] * 7
    assert erp.list_payments(dt.date(2026, 2, 2)) == []


def test_duplicated_suiteql_rows_are_delivered_once(
    erp: NetSuiteErpConnector, simulator: Simulator
) -> None:
    for n in range(3):
        simulator.account.upsert("customerPayment", f"PAY-{n}", payment_body())
    simulator.faults.duplicates = True

    ids = [p.id for page in read_all(erp.payments, None, 10) for p in page.records]

    assert ids == ["PAY-0", "PAY-1", "PAY-2"]


def test_an_expired_token_is_renewed_once_and_the_call_repeated(
    erp: NetSuiteErpConnector, simulator: Simulator
) -> None:
    erp.post_invoice(invoice(), "post-1")
    simulator.expire_tokens()

    erp.post_invoice(invoice(), "post-1")

    assert erp.session.token_fetches == 2
    assert simulator.count("invoice") == 1


def test_a_wrong_certificate_fails_the_check_naming_what_to_fix(
    erp: NetSuiteErpConnector, config_for: Config
) -> None:
    result = erp.check(config_for(certificate_id="not-mapped"))

    assert not result.ok
    assert "kid" in result.message and "certificate_id" in result.message
    assert result.details == {"reachable": True, "authenticated": False}


def test_the_concurrency_limit_is_retried_until_the_write_lands(
    erp: NetSuiteErpConnector, simulator: Simulator
) -> None:
    erp.session.authenticate()
    simulator.faults.throttle = 3

    erp.post_invoice(invoice(), "post-1")

    assert simulator.count("invoice") == 1
    assert simulator.log.count("PUT /services/rest/record/v1/invoice/eid:post-1") == 4


def test_projects_are_listed_and_deactivated(
    erp: NetSuiteErpConnector, simulator: Simulator
) -> None:
    project = Project(id="P1", name="Rollout", customer="C1", entity="DE01", contract="K1")
    erp.upsert_project(project)

    erp.deactivate_project("P1")
    erp.deactivate_project("never-sent")

    (record,) = erp.listings.project_records()
    assert (record.key, record.contract, record.customer, record.status) == (
        "P1", "K1", "C1", "inactive",
    )  # fmt: skip


def test_a_firms_mapping_override_rejects_what_it_cannot_read(
    config_for: Config, simulator: Simulator, tmp_path: Path
) -> None:
    document = yaml.safe_load((MAPPINGS / "payment.yaml").read_text())
    document["columns"].append({"name": "custbody_bank_ref", "type": "string"})
    document["fields"]["reference"] = "custbody_bank_ref"
    override = tmp_path / "payment.yaml"
    override.write_text(yaml.safe_dump(document))
    simulator.account.upsert("customerPayment", "PAY-1", payment_body())
    erp = connector_factory(config_for(mapping=str(override)))

    page = erp.payments.read(None, 10)

    assert page.records == []
    (rejected,) = page.rejected
    assert "custbody_bank_ref" in rejected.reason


def test_token_based_authentication_signs_every_request(
    config_for: Config, simulator: Simulator
) -> None:
    tba = simulator.tba
    erp = connector_factory(
        config_for(
            account_id=tba.realm,
            consumer_key=tba.consumer_key,
            consumer_secret=tba.consumer_secret,
            token_id=tba.token_id,
            token_secret=tba.token_secret,
        )
    )
    simulator.account.upsert("customerPayment", "PAY-1", payment_body())

    erp.post_invoice(invoice(), "accord:erp:post:INV-DE01-000001")  # signed percent-encoded
    (page,) = list(read_all(erp.payments, None, 10))

    assert simulator.count("invoice") == 1
    assert [p.id for p in page.records] == ["PAY-1"]
    assert not simulator.tokens, "no OAuth 2.0 token was fetched"


def test_a_wrong_token_secret_is_refused(config_for: Config, simulator: Simulator) -> None:
    tba = simulator.tba
    erp = connector_factory(
        config_for(
            account_id=tba.realm,
            consumer_key=tba.consumer_key,
            consumer_secret=tba.consumer_secret,
            token_id=tba.token_id,
            token_secret="wrong",
        )
    )

    with pytest.raises(RejectedError, match="INVALID_LOGIN"):
        erp.post_invoice(invoice(), "post-1")

    assert simulator.count("invoice") == 0


def test_asynchronous_writes_wait_for_the_job_and_a_retry_reuses_it(
    config_for: Config, simulator: Simulator
) -> None:
    erp = connector_factory(config_for(async_writes=True))
    simulator.pending_polls = 2

    first = erp.post_invoice(invoice(), "post-1")
    again = erp.post_invoice(invoice(), "post-1")

    assert first == again
    assert simulator.count("invoice") == 1
    assert len(simulator.jobs) == 1, "the same idempotency key must not queue a second job"


def test_a_failed_asynchronous_job_is_refused_with_netsuites_reason(
    config_for: Config, simulator: Simulator
) -> None:
    erp = connector_factory(config_for(async_writes=True))
    simulator.account.closed_periods.add("2026-01")

    with pytest.raises(RejectedError, match="INVALID_PERIOD"):
        erp.post_invoice(invoice(), "post-1")

    assert simulator.count("invoice") == 0


def test_a_customer_is_written_with_its_billing_address(
    erp: NetSuiteErpConnector, simulator: Simulator
) -> None:
    customer = Customer(id="C1", name="Acme GmbH", country="DE", city="Berlin")

    internal_id = erp.upsert_customer(customer)

    stored = simulator.account.get("customer", "eid:C1")
    (entry,) = stored["addressBook"]["items"]
    assert stored["id"] == internal_id
    assert (stored["companyName"], entry["addressBookAddress"]["country"]) == (
        "Acme GmbH", {"id": "DE"},
    )  # fmt: skip
    assert entry["addressBookAddress"]["city"] == "Berlin"


def test_payments_are_read_by_last_modification_and_a_changed_one_again(
    erp: NetSuiteErpConnector, simulator: Simulator, config_for: Config, account_clock: AccountClock
) -> None:
    account_clock.moments = (
        dt.datetime(2026, 2, 1, 9, minute, tzinfo=dt.UTC) for minute in range(60)
    )
    for n in range(3):
        simulator.account.upsert("customerPayment", f"PAY-{n}", payment_body())
    first = erp.payments.read(None, 10)
    simulator.account.patch("customerPayment", "eid:PAY-0", {"memo": "bank reference added"})
    simulator.account.upsert("customerPayment", "PAY-3", payment_body())

    restarted = connector_factory(config_for())
    after_restart = restarted.payments.read(first.next_cursor, 10)

    assert [p.id for p in first.records] == ["PAY-0", "PAY-1", "PAY-2"]
    assert [p.id for p in after_restart.records] == ["PAY-0", "PAY-3"]
    assert erp.payments.read(after_restart.next_cursor, 10).records == []


def test_a_payment_saved_late_with_an_older_stamp_is_not_lost(
    erp: NetSuiteErpConnector, simulator: Simulator, account_clock: AccountClock
) -> None:
    account_clock.stand_at(dt.datetime(2026, 2, 1, 9, 30, tzinfo=dt.UTC))
    simulator.account.upsert("customerPayment", "PAY-1", payment_body())
    first = erp.payments.read(None, 10)
    account_clock.stand_at(dt.datetime(2026, 2, 1, 9, 25, tzinfo=dt.UTC))
    simulator.account.upsert("customerPayment", "PAY-LATE", payment_body())

    second = erp.payments.read(first.next_cursor, 10)

    assert [p.id for p in second.records] == ["PAY-LATE"]


def test_the_look_back_window_is_a_setting(simulator: Simulator, config_for: Config) -> None:
    """A one-minute window does not reach a payment stamped five minutes back."""
    erp = connector_factory(config_for(look_back_seconds=60))
    simulator.account.now = lambda: dt.datetime(2026, 2, 1, 9, 30, tzinfo=dt.UTC)
    simulator.account.upsert("customerPayment", "PAY-1", payment_body())
    first = erp.payments.read(None, 10)
    simulator.account.now = lambda: dt.datetime(2026, 2, 1, 9, 25, tzinfo=dt.UTC)
    simulator.account.upsert("customerPayment", "PAY-LATE", payment_body())

    assert erp.payments.read(first.next_cursor, 10).records == []


def test_the_job_listing_pages_by_offset_and_lists_only_accords_jobs(
    erp: NetSuiteErpConnector, simulator: Simulator
) -> None:
    for number in range(1, 6):
        erp.upsert_project(
            Project(id=f"P{number}", name="Rollout", customer="C1", entity="DE01",
                    contract=f"K{number}")
        )  # fmt: skip
    listings = NetSuiteListings(erp.session, page_size=2)
    before = len(simulator.log)

    contracts = listings.contract_records()

    assert [(c.key, c.customer, c.entity) for c in contracts] == [
        (f"K{n}", "C1", "DE01") for n in range(1, 6)
    ]
    pages = [line for line in list(simulator.log)[before:] if line.endswith("/suiteql")]
    assert len(pages) == 3, "five jobs, two a page"
