"""A simulated org with a state directory outlives its simulator: the connector reads
back, after a restart, what it wrote before; a change after the restart is newer than
every stamp before it; a rolled-back all-or-none request left nothing on disk."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from accord.canonical.v1 import Customer, Payment
from accord.connectors.salesforce import SalesforceCrmConnector, connector_factory
from accord.connectors.sdk import RejectedError, read_all
from accord.simulators.salesforce import Org, Simulator, create_app
from accord.simulators.state import StateStore
from tests.connectors.salesforce.conftest import BASE_URL
from tests.connectors.simulated import Config, served

PAYMENT = Payment(
    id="P1", invoice="INV-1", amount="10.00", currency="EUR", received_on=dt.date(2026, 2, 1)
)


@pytest.fixture
def state_file(tmp_path: Path) -> Path:
    return tmp_path / "salesforce.sqlite3"


@pytest.fixture
def simulator(state_file: Path) -> Simulator:
    return Simulator(org=Org(state=StateStore(state_file)))


@contextmanager
def restarted(state_file: Path, config_for: Config) -> Iterator[SalesforceCrmConnector]:
    """A connector to a new simulator that found its org in `state_file`."""
    again = Simulator(org=Org(state=StateStore(state_file)))
    with served(create_app(again), BASE_URL) as transport:
        yield connector_factory(config_for(transport=transport))


def customer(key: str, name: str = "") -> Customer:
    return Customer(id=key, name=name or f"Customer {key}", country="DE")


def test_accounts_written_before_a_restart_are_read_back_and_not_written_twice(
    state_file: Path, config_for: Config
) -> None:
    crm = connector_factory(config_for())
    assert [crm.upsert_account(customer(key)) for key in ("C1", "C2", "C3")] == [True] * 3

    with restarted(state_file, config_for) as again:
        read = [c for page in read_all(again.accounts) for c in page.records]
        assert [(c.id, c.name) for c in read] == [(k, f"Customer {k}") for k in ("C1", "C2", "C3")]
        assert again.upsert_account(customer("C2")) is False, "found by external id"
        assert again.count("Account") == 3


def test_a_cursor_taken_before_a_restart_resumes_with_only_what_changed_after_it(
    state_file: Path, config_for: Config
) -> None:
    crm = connector_factory(config_for())
    for key in ("C1", "C2"):
        crm.upsert_account(customer(key))
    cursor = [page.next_cursor for page in read_all(crm.accounts)][-1]

    with restarted(state_file, config_for) as again:
        again.upsert_account(customer("C1", "Renamed Ltd"))
        changed = [c for page in read_all(again.accounts, cursor) for c in page.records]

    assert [(c.id, c.name) for c in changed] == [("C1", "Renamed Ltd")]


def test_a_rolled_back_all_or_none_request_left_nothing_on_disk(
    simulator: Simulator, state_file: Path, config_for: Config
) -> None:
    simulator.org.validation_rules["Invoice__c"] = "Invoices are locked during the audit"
    with pytest.raises(RejectedError, match="locked"):
        connector_factory(config_for()).record_payment(PAYMENT)

    with restarted(state_file, config_for) as again:
        assert (again.count("Payment__c"), again.count("Invoice__c")) == (0, 0)
        again.record_payment(PAYMENT)
        assert (again.count("Payment__c"), again.count("Invoice__c")) == (1, 1)
