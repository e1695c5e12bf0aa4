"""With the vendor simulators playing the roles (the default landscape), the generated
firm and its activity reach them through the vendors' own APIs: its contracts are
signed Contracts in Salesforce, its people Workday workers, its projects, time,
expenses and approvals in Kantata OX, and its customers pay posted invoices in
NetSuite. Everything is read back as the vendor connectors read it (SOQL, Kantata
`/api/v1`, Workday's workers, SuiteQL) and mapped to canonical records."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from accord.canonical.v1 import ContractStatus, Milestone, TimeAndMaterialsTerm, TimeEntry
from accord.connectors.kantata import connector_factory as kantata_connector
from accord.connectors.netsuite import connector_factory as netsuite_connector
from accord.connectors.salesforce import clm_connector_factory as clm_connector
from accord.connectors.sandbox.generator import ActivityGenerator
from accord.connectors.sandbox.landscape import Landscape
from accord.connectors.sandbox.vendors import VENDOR_SETTINGS
from accord.connectors.workday import connector_factory as workday_connector
from tests.connectors.netsuite.test_netsuite_contract import invoice

FIRST_DAY = date(2026, 1, 5)  # a Monday
DAYS = 5
CONTRACTS = 4


def _settings(landscape: Landscape, vendor: str) -> dict[str, Any]:
    return {"base_url": landscape.base_url(vendor), **VENDOR_SETTINGS[vendor]}


@pytest.fixture(scope="module")
def played() -> Iterator[tuple[Landscape, ActivityGenerator]]:
    """A week of the firm's activity in the vendor simulators, on a frozen clock."""
    with Landscape() as landscape:
        landscape.set_clock(datetime.combine(FIRST_DAY, datetime.min.time(), UTC))
        systems = landscape.firm_systems(vendors=True)
        generator = ActivityGenerator(landscape.clock, systems, seed=7, contracts=CONTRACTS)
        generator.load()
        for offset in range(DAYS):
            generator.produce_day(FIRST_DAY + timedelta(days=offset))
        yield landscape, generator
        generator.close()


def _time_entries(landscape: Landscape) -> list[TimeEntry]:
    psa = kantata_connector(_settings(landscape, "kantata"))
    try:
        page = psa.time_entries.read(None, 1000)
    finally:
        psa.close()
    assert not page.has_more and not page.rejected
    return [record for record in page.records if isinstance(record, TimeEntry)]


def test_the_firm_is_signed_in_salesforce_and_staffed_in_workday(
    played: tuple[Landscape, ActivityGenerator],
) -> None:
    landscape, generator = played
    clm = clm_connector(_settings(landscape, "salesforce"))
    hr = workday_connector(_settings(landscape, "workday"))
    try:
        contracts = clm.signed_contracts(None)
        workers = hr.list_workers()
    finally:
        clm.close()
        hr.close()

    assert sorted(c.id for c in contracts) == [c["id"] for c in generator.firm.contracts]
    assert {c.status for c in contracts} == {ContractStatus.SIGNED}
    assert all(c.terms[0].id == "default" for c in contracts)
    assert len(workers) == len(generator.firm.workers)
    assert {w.id: w.role for w in workers} == {w["id"]: w["role"] for w in generator.firm.workers}


def test_time_logged_and_approved_in_kantata_maps_to_the_firm_s_contracts(
    played: tuple[Landscape, ActivityGenerator],
) -> None:
    landscape, generator = played

    entries = _time_entries(landscape)

    staffed = {(k, w) for k, team in generator.firm.staffing.items() for w in team}
    assert len(entries) == generator.counts["time_entries"] >= 40
    assert {(e.contract, e.resource) for e in entries} <= staffed
    assert {e.term for e in entries} == {"default"}
    assert {e.date for e in entries} <= {FIRST_DAY + timedelta(days=n) for n in range(DAYS)}
    statuses = Counter(e.status.value for e in entries)
    assert statuses["approved"] == generator.counts["time_entries_approved"] > 0
    assert generator.counts["failed"] == 0


def test_a_milestone_accepted_in_kantata_is_one_of_its_fixed_fee_contract_s_milestones(
    played: tuple[Landscape, ActivityGenerator],
) -> None:
    landscape, generator = played
    psa = kantata_connector(_settings(landscape, "kantata"))
    try:
        page = psa.milestones.read(None, 1000)
    finally:
        psa.close()

    fixed_fees = {c["id"] for c in generator.firm.contracts if c["terms"][0]["type"] == "fixed_fee"}
    accepted = [m for m in page.records if isinstance(m, Milestone) and m.accepted_on]
    assert not page.rejected
    assert {m.contract for m in page.records if isinstance(m, Milestone)} == fixed_fees
    assert len(accepted) == generator.counts["milestones_accepted"] > 0
    assert {(m.term, m.milestone) for m in accepted} <= {
        ("default", name) for name in ("Discovery", "Build", "Handover")
    }


def test_a_customer_pays_an_invoice_posted_in_netsuite_in_full(
    played: tuple[Landscape, ActivityGenerator],
) -> None:
    landscape, generator = played
    erp = netsuite_connector(_settings(landscape, "netsuite"))
    try:
        erp.post_invoice(invoice("INV-DE01-000009"), "post-INV-DE01-000009")
        (posted,) = generator.systems.open_invoices()
        key = generator.systems.pay_invoice(posted, FIRST_DAY + timedelta(days=DAYS))
        query = "SELECT externalid, total, custbody_accord_invoice FROM transaction "
        payments = list(erp.session.suiteql(query + "WHERE type = 'CustPymt'"))
    finally:
        erp.close()

    assert posted.number == "INV-DE01-000009" and posted.customer == "C1"
    assert generator.systems.open_invoices() == []
    assert [(p["externalid"], p["custbody_accord_invoice"]) for p in payments] == [
        (key, "INV-DE01-000009")
    ]
    assert Decimal(str(payments[0]["total"])) == Decimal("1785.00")


def test_each_amendment_in_salesforce_is_a_new_version_of_the_contract() -> None:
    """Amended twice, a contract reads back at version 3 with both rates, so an amendment
    flow (keyed by contract and version) carries each amendment, not the first only."""
    with Landscape() as landscape:
        landscape.set_clock(datetime.combine(FIRST_DAY, datetime.min.time(), UTC))
        generator = ActivityGenerator(
            landscape.clock, landscape.firm_systems(vendors=True), seed=7, contracts=CONTRACTS
        )
        clm = clm_connector(_settings(landscape, "salesforce"))
        try:
            generator.load()
            contract = next(c for c in generator.firm.contracts if c["terms"][0]["id"] == "TM")
            assert _read(clm, contract["id"]).version == 1
            generator.systems.amend(contract, "150", FIRST_DAY)
            generator.systems.amend(contract, "175", FIRST_DAY + timedelta(days=7))
            amended = _read(clm, contract["id"])
        finally:
            clm.close()
            generator.close()

    assert amended.version == 3
    term = amended.terms[0]
    assert isinstance(term, TimeAndMaterialsTerm)
    rates = {(Decimal(str(r.rate)), r.valid_from) for r in term.rates if r.role == "*"}
    assert {(Decimal("150"), FIRST_DAY), (Decimal("175"), FIRST_DAY + timedelta(days=7))} <= rates


def _read(clm: Any, contract: str) -> Any:
    found = clm.get_contract(contract)
    assert found is not None, f"{contract} is not in Salesforce"
    return found
