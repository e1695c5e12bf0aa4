"""The vendor simulators mounted in the sandbox landscape: the vendor connectors reach
them at `Landscape.base_url(<vendor>)` with the simulators' default credentials, their
records are stamped on the landscape's clock and kept in its state directory across a
restart, and their faults are steered like the generic systems' ones."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from accord.bootstrap.connectors import connector_configs
from accord.canonical.v1 import Customer
from accord.connectors.kantata import connector_factory as kantata_connector
from accord.connectors.netsuite import connector_factory as netsuite_connector
from accord.connectors.salesforce import connector_factory as salesforce_connector
from accord.connectors.salesforce.streams import query_all
from accord.connectors.sandbox.landscape import Landscape
from accord.connectors.sandbox.vendors import VENDOR_SETTINGS, VENDORS
from accord.connectors.sdk import UnavailableError
from accord.connectors.workday import connector_factory as workday_connector
from accord.landscape import load_landscape
from tests.connectors.kantata.test_kantata_contract import CONTRACT, PROJECT
from tests.connectors.netsuite.test_netsuite_contract import invoice

MAY = datetime(2026, 5, 4, 9, tzinfo=UTC)


def _settings(landscape: Landscape, vendor: str, **extra: object) -> dict[str, object]:
    return {"base_url": landscape.base_url(vendor), **VENDOR_SETTINGS[vendor], **extra}


def test_every_vendor_answers_its_connectors_check_in_the_landscape() -> None:
    factories = {
        "salesforce": salesforce_connector,
        "kantata": kantata_connector,
        "workday": workday_connector,
        "netsuite": netsuite_connector,
    }
    with Landscape() as landscape:
        for vendor in VENDORS:
            settings = _settings(landscape, vendor, max_attempts=1)
            connector = factories[vendor](settings)
            try:
                result = connector.check(settings)
            finally:
                connector.close()
            assert result.ok, (vendor, result.message)


def test_vendor_records_are_stamped_on_the_clock_and_kept_across_a_restart(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state"
    with Landscape(state_dir=state) as landscape:
        landscape.set_clock(MAY)
        crm = salesforce_connector(_settings(landscape, "salesforce"))
        crm.upsert_account(Customer(id="C1", name="Acme GmbH", country="DE"))
        posted = netsuite_connector(_settings(landscape, "netsuite")).post_invoice(
            invoice(), "post-1"
        )
        workspace = kantata_connector(_settings(landscape, "kantata")).provision_project(
            PROJECT, CONTRACT
        )

    with Landscape(state_dir=state) as reopened:
        crm = salesforce_connector(_settings(reopened, "salesforce"))
        (account,) = query_all(crm.session, "SELECT Accord_Id__c, SystemModstamp FROM Account")
        erp = netsuite_connector(_settings(reopened, "netsuite"))
        psa = kantata_connector(_settings(reopened, "kantata"))

        assert account["Accord_Id__c"] == "C1"
        assert str(account["SystemModstamp"]).startswith("2026-05-04T09:00:00")
        assert erp.post_invoice(invoice(), "post-1").external_id == posted.external_id
        assert psa.provision_project(PROJECT, CONTRACT) == workspace
    assert sorted(p.name for p in (state / "vendors").iterdir() if p.suffix == ".sqlite3") == [
        f"{vendor}.sqlite3" for vendor in sorted(VENDORS)
    ]


def test_a_vendor_fault_is_steered_through_the_sandbox_api_and_config() -> None:
    config = {"netsuite": {"faults": [{"kind": "throttle", "count": 1}]}}
    with Landscape(config=config) as landscape:
        http = httpx.Client(base_url=landscape.url)
        throttled = http.post(
            "/netsuite/services/rest/query/v1/suiteql", json={"q": "SELECT id FROM job"}
        )
        outage = {"kind": "unavailable", "until": "2026-02-01T00:00:00Z"}
        landscape.set_clock(datetime(2026, 1, 31, tzinfo=UTC))
        http.post("/kantata/_sandbox/faults", json=outage).raise_for_status()
        psa = kantata_connector(_settings(landscape, "kantata", max_attempts=1))

        assert throttled.status_code == 429 and "Retry-After" not in throttled.headers
        assert [f["kind"] for f in http.get("/kantata/_sandbox/faults").json()] == ["unavailable"]
        with pytest.raises(UnavailableError):
            psa.listings.project_records()
        landscape.set_clock(datetime(2026, 2, 1, tzinfo=UTC))
        assert psa.listings.project_records() == []


def test_a_landscape_chooses_netsuite_m2m_and_the_sandbox_grants_it_on_either_clock(
    tmp_path: Path,
) -> None:
    """`auth: m2m` signs in with the simulator's own certificate; the sandbox accepts an
    assertion signed on the wall clock (`accord up`) or on its own clock (a scenario),
    here three months behind the wall clock."""
    path = tmp_path / "landscape.yaml"
    path.write_text(
        "version: 1\nsandbox: {vendors: true}\n"
        "systems:\n  erp: {connector: netsuite, settings: {auth: m2m}}\n",
        encoding="utf-8",
    )
    with Landscape() as landscape:
        landscape.set_clock(MAY)
        name, config = connector_configs(load_landscape(path), landscape.base_url)["systems.erp"]
        for clock in (time.time, lambda: landscape.clock.now().timestamp()):
            erp = netsuite_connector(config | {"clock": clock})
            try:
                posted = erp.post_invoice(invoice(), "post-m2m")
                assert erp.session.token_fetches == 1, "an M2M access token, not a signature"
            finally:
                erp.close()

    assert name == "netsuite"
    assert posted.external_id
