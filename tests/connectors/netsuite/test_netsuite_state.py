"""A simulated account with a state directory outlives its simulator: documents posted
and payments applied before a restart are read back through the connector after it, new
records do not reuse an internal id, and an idempotency key answered before the restart
is answered with the same job after it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest

from accord.connectors.netsuite import NetSuiteErpConnector, connector_factory
from accord.connectors.sdk.testing import FakeSleep
from accord.simulators.netsuite import Account, Simulator, create_app
from accord.simulators.state import StateStore
from tests.connectors.netsuite.conftest import BASE_URL
from tests.connectors.netsuite.test_netsuite_contract import invoice, payment_body
from tests.connectors.simulated import Config, served


@pytest.fixture
def state_file(tmp_path: Path) -> Path:
    return tmp_path / "netsuite.sqlite3"


@pytest.fixture
def simulator(key_pair: tuple[Path, str], fake_sleep: FakeSleep, state_file: Path) -> Simulator:
    account = Account(StateStore(state_file))
    return Simulator(public_key=key_pair[1], clock=fake_sleep.clock, account=account)


@contextmanager
def restarted(
    simulator: Simulator, state_file: Path, config_for: Config, **extra: object
) -> Iterator[tuple[Simulator, NetSuiteErpConnector]]:
    """A new simulator that found its account in `state_file`, and a connector to it."""
    again = Simulator(
        public_key=simulator.public_key,
        clock=simulator.clock,
        account=Account(StateStore(state_file)),
    )
    with served(create_app(again), BASE_URL) as transport:
        yield again, connector_factory(config_for(transport=transport, **extra))


def test_documents_and_payments_from_before_a_restart_are_read_back(
    simulator: Simulator, state_file: Path, config_for: Config
) -> None:
    erp = connector_factory(config_for())
    posted = erp.post_invoice(invoice(), "post-1")
    simulator.account.upsert("customerPayment", "PAY-1", payment_body(payment="785.00"))

    with restarted(simulator, state_file, config_for) as (_, again):
        found = again.get_invoice("INV-DE01-000001")
        assert found is not None
        assert (found.external_id, found.totals) == (posted.external_id, posted.totals)
        (document,) = again.list_documents()
        assert (document.status.value, document.paid) == ("partially_paid", Decimal("785.00"))
        second = again.post_invoice(invoice("INV-DE01-000002"), "post-2")

    assert second.number == "INV-DE01-000002"
    stored = StateStore(state_file)
    ids = [*stored.load("record/invoice"), *stored.load("record/customerPayment")]
    assert len(set(ids)) == 3, f"an internal id was given twice: {ids}"


def test_an_idempotency_key_from_before_a_restart_gets_the_same_job(
    simulator: Simulator, state_file: Path, config_for: Config
) -> None:
    first = connector_factory(config_for(async_writes=True)).post_invoice(invoice(), "post-1")

    with restarted(simulator, state_file, config_for, async_writes=True) as (again, erp):
        assert erp.post_invoice(invoice(), "post-1") == first
        assert (len(again.jobs), again.count("invoice")) == (1, 1)
