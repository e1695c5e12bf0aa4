"""Each vendor simulator on the sandbox's clock and fault plan, read through its connector.

The sandbox's `FaultPlan` is the plan a simulator consults (as the sandbox's fault API
would fill it): an outage until a moment on the sandbox clock, throttling and server
errors for a count of requests, latency, duplicated and reordered records. Through the
connector, each ends as the connector promises: unavailable until the clock passes the
outage or while a 500 lasts, every record read exactly once otherwise. Records are
stamped on the sandbox clock. Reordering reverses only listings asked in no order (a
vendor keeps an order it was asked for), which the connectors' streams never are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from accord.connectors.kantata import connector_factory as kantata_connector
from accord.connectors.netsuite import connector_factory as netsuite_connector
from accord.connectors.salesforce import connector_factory as salesforce_connector
from accord.connectors.salesforce.streams import query_all
from accord.connectors.sandbox.clock import SandboxClock
from accord.connectors.sandbox.faults import Fault, FaultKind, FaultPlan
from accord.connectors.sdk import Stream, UnavailableError, read_all
from accord.connectors.sdk.testing import FakeSleep
from accord.connectors.workday import connector_factory as workday_connector
from accord.simulators import kantata, netsuite, salesforce, workday
from accord.simulators.netsuite.app import TokenCredentials
from tests.connectors.kantata.conftest import seed_time
from tests.connectors.netsuite.test_netsuite_contract import seed_payments
from tests.connectors.salesforce.test_salesforce_contract import seed_accounts
from tests.connectors.simulated import served, settings_builder
from tests.connectors.workday.conftest import seed_workers

START = datetime(2026, 3, 2, 9, tzinfo=UTC)
RECORDS = 5
PAGE = 2


@dataclass
class Rig:
    """One vendor: its simulator on the sandbox's clock and plan, a stream of its
    connector, how to seed records, where its listings are and what a record stamp is."""

    app: FastAPI
    base_url: str
    stream: Callable[[dict[str, Any]], Stream]
    seed: Callable[[int], list[str]]
    path: str
    stamps: Callable[[], list[str]]
    credentials: dict[str, Any]
    unordered: Callable[[dict[str, Any]], list[str]] | None = None
    """The seeded ids from a listing asked in no order, through the connector's session."""


def _salesforce(clock: SandboxClock, plan: FaultPlan) -> Rig:
    sim = salesforce.Simulator(org=salesforce.Org(clock=clock.now), faults=plan)
    return Rig(
        salesforce.create_app(sim),
        "https://acme.my.salesforce.test",
        lambda config: salesforce_connector({**config, "batch_size": PAGE}).accounts,
        seed_accounts(sim),
        "/services/data/",
        lambda: [r["SystemModstamp"] for r in sim.org.records["Account"].values()],
        {"client_id": sim.client_id, "client_secret": sim.client_secret},
        lambda config: [
            str(row["Accord_Id__c"])
            for row in query_all(
                salesforce_connector(config).session, "SELECT Accord_Id__c FROM Account"
            )
        ],
    )


def _kantata(clock: SandboxClock, plan: FaultPlan) -> Rig:
    sim = kantata.Simulator(faults=plan, clock=clock.now)
    return Rig(
        kantata.create_app(sim),
        "https://api.mavenlink.test",
        lambda config: kantata_connector(config).time_entries,
        seed_time(sim),
        "/api/v1/time_entries",
        lambda: [o["updated_at"] for o in sim.objects["time_entries"].values()],
        {
            "access_token": "initial-token",
            "client_id": sim.client_id,
            "client_secret": sim.client_secret,
            "refresh_token": sim.refresh_token,
        },
        lambda config: [
            f"kantata-te-{result['id']}"
            for result in kantata_connector(config).session.get("/time_entries")["results"]
        ],
    )


def _workday(clock: SandboxClock, plan: FaultPlan) -> Rig:
    sim = workday.Simulator(faults=plan, clock=clock.now)
    return Rig(
        workday.create_app(sim),
        "https://wd2-impl-services1.workday.test",
        lambda config: workday_connector(config).workers,
        seed_workers(sim),
        "/ccx/api/v1/",
        lambda: [w["lastUpdated"] for w in sim.workers.values()],
        {
            "tenant": sim.tenant,
            "client_id": sim.client_id,
            "client_secret": sim.client_secret,
            "refresh_token": sim.refresh_token,
        },
    )


def _netsuite(clock: SandboxClock, plan: FaultPlan) -> Rig:
    sim = netsuite.Simulator(account=netsuite.Account(now=clock.now), faults=plan)
    tba = TokenCredentials()
    return Rig(
        netsuite.create_app(sim),
        "https://1234567.suitetalk.api.netsuite.test",
        lambda config: netsuite_connector(config).payments,
        seed_payments(sim),
        "/services/rest/query/",
        lambda: [r["lastModifiedDate"] for r in sim.account.records["customerPayment"].values()],
        {
            "account_id": tba.realm,
            "consumer_key": tba.consumer_key,
            "consumer_secret": tba.consumer_secret,
            "token_id": tba.token_id,
            "token_secret": tba.token_secret,
        },
        lambda config: [
            str(row["externalid"])
            for row in netsuite_connector(config).session.suiteql(
                "SELECT externalid FROM transaction WHERE type = 'CustPymt'"
            )
        ],
    )


VENDORS = {
    "salesforce": _salesforce,
    "kantata": _kantata,
    "workday": _workday,
    "netsuite": _netsuite,
}


@dataclass
class Landscape:
    clock: SandboxClock
    plan: FaultPlan
    rig: Rig
    config: Callable[..., dict[str, Any]]

    def stream(self, **extra: Any) -> Stream:
        return self.rig.stream(self.config(**extra))

    def fault(self, kind: FaultKind, **fields: Any) -> None:
        self.plan.add(Fault(kind, path=self.rig.path, **fields))


@pytest.fixture(params=sorted(VENDORS))
def landscape(request: pytest.FixtureRequest, fake_sleep: FakeSleep) -> Iterator[Landscape]:
    clock, plan = SandboxClock(START), FaultPlan()
    rig = VENDORS[request.param](clock, plan)
    with served(rig.app, rig.base_url) as transport:
        config = settings_builder(rig.base_url, transport, fake_sleep, **rig.credentials)
        yield Landscape(clock, plan, rig, config)


def _read_ids(stream: Stream) -> list[str]:
    return [str(record.id) for page in read_all(stream, None, PAGE) for record in page.records]


def test_records_are_stamped_on_the_sandbox_clock(landscape: Landscape) -> None:
    landscape.clock.advance(timedelta(days=30))
    landscape.rig.seed(2)

    stamps = landscape.rig.stamps()

    assert all(stamp.startswith("2026-04-01") for stamp in stamps), stamps


def test_an_outage_lasts_until_the_sandbox_clock_passes_it(landscape: Landscape) -> None:
    seeded = landscape.rig.seed(RECORDS)
    landscape.fault(FaultKind.UNAVAILABLE, until=START + timedelta(hours=1))

    with pytest.raises(UnavailableError):
        _read_ids(landscape.stream(max_attempts=2))
    landscape.clock.advance(timedelta(hours=2))

    assert _read_ids(landscape.stream(max_attempts=2)) == seeded


@pytest.mark.parametrize(
    "kind, fields",
    [
        (FaultKind.THROTTLE, {"count": 2, "retry_after": None}),
        (FaultKind.THROTTLE, {"count": 2, "retry_after": 3.0}),
        (FaultKind.ERROR_RATE, {"count": 2, "status": 502}),
        (FaultKind.LATENCY, {"count": 2, "latency_ms": 20}),
    ],
    ids=["429", "429-retry-after", "5xx", "slow"],
)
def test_a_passing_fault_is_spent_and_every_record_is_read_once(
    landscape: Landscape, kind: FaultKind, fields: dict[str, Any]
) -> None:
    seeded = landscape.rig.seed(RECORDS)
    landscape.fault(kind, **fields)

    read = _read_ids(landscape.stream(max_attempts=5))

    assert read == seeded
    assert landscape.plan.snapshot(landscape.clock.now()) == [], "the simulator met the fault"


@pytest.mark.parametrize("kind", [FaultKind.DUPLICATE, FaultKind.REORDER])
def test_duplicated_or_reordered_records_are_read_exactly_once_in_order(
    landscape: Landscape, kind: FaultKind
) -> None:
    seeded = landscape.rig.seed(RECORDS)
    landscape.fault(kind)

    assert _read_ids(landscape.stream()) == seeded


def test_a_server_error_is_unavailable_at_once_and_read_past_once_spent(
    landscape: Landscape,
) -> None:
    seeded = landscape.rig.seed(RECORDS)
    landscape.fault(FaultKind.ERROR_RATE, count=1, status=500)

    with pytest.raises(UnavailableError, match="HTTP 500 after 1 attempt"):
        _read_ids(landscape.stream(max_attempts=5))

    assert _read_ids(landscape.stream(max_attempts=5)) == seeded


def test_a_listing_asked_in_no_order_comes_reordered(landscape: Landscape) -> None:
    if landscape.rig.unordered is None:
        pytest.skip("the listing promises its order; a reorder fault leaves it")
    seeded = landscape.rig.seed(RECORDS)
    assert landscape.rig.unordered(landscape.config()) == seeded

    landscape.fault(FaultKind.REORDER)

    assert landscape.rig.unordered(landscape.config()) == seeded[::-1]
