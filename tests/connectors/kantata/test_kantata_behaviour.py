"""The Kantata connector against the simulated account: paging, faults, token refresh,
429s without Retry-After, idempotent writes, mapping errors and a firm's override."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from accord.canonical.v1 import ApprovalStatus, MilestoneState
from accord.connectors.kantata import MAPPINGS, connector_factory
from accord.connectors.sdk import RejectedError, UnavailableError, read_all
from accord.connectors.sdk.testing import FakeSleep
from accord.landscape import load_landscape
from accord.simulators.kantata import Simulator
from tests.connectors.kantata.conftest import seed_milestones, seed_time, workspace
from tests.connectors.kantata.test_kantata_contract import CONTRACT, PROJECT
from tests.connectors.simulated import Config, ids_read_across_token_expiry


def test_pages_stay_within_200_per_page_and_repeated_objects_are_skipped(
    simulator: Simulator, config_for: Config
) -> None:
    kantata = connector_factory(config_for())
    keys = seed_time(simulator)(205)
    simulator.faults.duplicates = True

    pages = list(read_all(kantata.time_entries, None, limit=250))

    assert [r.id for page in pages for r in page.records] == keys
    per_page = {
        line.split("per_page=")[1].split("&")[0] for line in simulator.log if "per_page" in line
    }
    assert per_page == {"200"}
    assert any("page=2" in line for line in simulator.log), "the second page was followed"


def test_objects_sharing_an_updated_at_are_split_across_reads_without_loss(
    simulator: Simulator, config_for: Config
) -> None:
    kantata = connector_factory(config_for())
    keys = seed_time(simulator)(4)
    for obj in simulator.objects["time_entries"].values():
        obj["updated_at"] = "2026-01-01T00:00:09+00:00"

    first = kantata.time_entries.read(None, 2)
    second = kantata.time_entries.read(first.next_cursor, 2)
    third = kantata.time_entries.read(second.next_cursor, 2)

    assert [r.id for r in first.records + second.records] == keys
    assert third.records == []


def test_an_expired_token_is_refreshed_once_and_the_read_proceeds(
    simulator: Simulator, config_for: Config
) -> None:
    kantata = connector_factory(config_for())
    keys = seed_time(simulator)(2)

    ids = ids_read_across_token_expiry(kantata.time_entries, simulator)

    assert ids == keys
    assert kantata.session.token_fetches == 1


def test_without_a_refresh_token_an_expired_token_says_what_to_do(
    simulator: Simulator, config_for: Config
) -> None:
    kantata = connector_factory(config_for(refresh_token=None))
    seed_time(simulator)(1)
    simulator.expire_tokens()

    with pytest.raises(RejectedError) as raised:
        kantata.time_entries.read(None, 10)

    assert raised.value.status == 401 and "issue a new one" in raised.value.reason


def test_429_without_retry_after_is_backed_off_by_the_connector(
    simulator: Simulator, config_for: Config, fake_sleep: FakeSleep
) -> None:
    kantata = connector_factory(config_for())
    seed_time(simulator)(3)
    simulator.faults.throttle = 3

    page = kantata.time_entries.read(None, 10)

    assert len(page.records) == 3
    assert len(fake_sleep.waits) >= 3 and all(s > 0 for s in fake_sleep.waits)


def test_bad_gateways_are_retried_and_the_read_completes(
    simulator: Simulator, config_for: Config
) -> None:
    kantata = connector_factory(config_for())
    keys = seed_time(simulator)(2)
    simulator.faults.server_errors = 2

    page = kantata.time_entries.read(None, 10)

    assert [r.id for r in page.records] == keys


def test_an_outage_is_unavailable_and_the_check_says_so(
    simulator: Simulator, config_for: Config
) -> None:
    kantata = connector_factory(config_for(max_attempts=2))
    simulator.faults.outage = True

    with pytest.raises(UnavailableError):
        kantata.time_entries.read(None, 10)
    result = kantata.check(config_for(max_attempts=1))

    assert not result.ok and "HTTP 503" in result.message


def test_invoicing_is_idempotent_and_read_back_as_invoiced_entries(
    simulator: Simulator, config_for: Config
) -> None:
    kantata = connector_factory(config_for())
    entries = seed_time(simulator)(3)

    kantata.mark_invoiced(entries[:2], "INV-DE01-000007")
    kantata.mark_invoiced(entries[:2], "INV-DE01-000007")

    assert kantata.count_invoiced_entries() == 2
    assert len(simulator.objects["invoices"]) == 1


def test_a_provisioned_project_is_found_again_and_closing_archives_it(
    simulator: Simulator, config_for: Config
) -> None:
    kantata = connector_factory(config_for())

    first = kantata.provision_project(PROJECT, CONTRACT)
    again = kantata.provision_project(PROJECT, CONTRACT)
    kantata.close_project(PROJECT.id)
    kantata.close_project("never-provisioned")

    assert first == again
    assert simulator.objects["workspaces"][first]["archived"] is True


def test_approved_time_reads_only_approved_entries_of_the_contract(
    simulator: Simulator, config_for: Config
) -> None:
    kantata = connector_factory(config_for())
    approved = seed_time(simulator)(2)
    seed_time(simulator, approved=False)(1)

    entries = kantata.approved_time(None)

    assert sorted(e.id for e in entries) == sorted(approved)
    assert {(e.contract, e.hours, e.status) for e in entries} == {
        ("K1", Decimal("1.5"), ApprovalStatus.APPROVED)
    }


def test_an_entry_the_mapping_cannot_read_is_rejected_and_the_rest_proceed(
    simulator: Simulator, config_for: Config
) -> None:
    kantata = connector_factory(config_for())
    seed = seed_time(simulator)
    keys = seed(1)
    seed_time(simulator, date_performed="someday")(1)
    keys += seed(1)

    page = kantata.time_entries.read(None, 10)

    assert [r.id for r in page.records] == keys
    (rejected,) = page.rejected
    assert rejected.kind == "time_entry"
    assert "date_performed" in rejected.reason


def test_a_firm_mapping_named_in_the_landscape_overrides_the_time_entry_mapping(
    simulator: Simulator, config_for: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = (MAPPINGS / "time-entry.yaml").read_text(encoding="utf-8")
    (tmp_path / "kantata").mkdir()
    (tmp_path / "kantata" / "time-entry.yaml").write_text(
        shipped.replace("term: \"'default'\"", "term: \"'consulting'\""), encoding="utf-8"
    )
    (tmp_path / "landscape.yaml").write_text(
        "version: 1\nsandbox: {}\nsystems:\n  psa:\n    connector: kantata\n"
        "    base_url: https://api.mavenlink.test\n    settings:\n"
        "      access_token: {env: KANTATA_TOKEN}\n      mapping: kantata/time-entry.yaml\n"
    )
    monkeypatch.setenv("KANTATA_TOKEN", "initial-token")
    settings = load_landscape(tmp_path / "landscape.yaml").connector_config("systems.psa")
    test_only = {k: v for k, v in config_for().items() if k in ("transport", "sleep", "clock")}
    seed_time(simulator)(1)

    (default,) = connector_factory(config_for()).time_entries.read(None, 10).records
    firm_connector = connector_factory(settings | test_only)
    (firm,) = firm_connector.time_entries.read(None, 10).records

    assert (default.term, firm.term) == ("default", "consulting")
    assert firm.date == dt.date(2026, 1, 2)
    assert firm_connector.mappings["expenses"].resource == "expenses", "the shipped one stays"


def test_completed_milestone_stories_are_accepted_and_tasks_are_not_milestones(
    simulator: Simulator, config_for: Config
) -> None:
    kantata = connector_factory(config_for())
    seed_milestones(simulator)(1)
    simulator.create("stories", {"workspace_id": "1001", "title": "A task", "story_type": "task"})

    (milestone,) = kantata.milestones.read(None, 10).records

    assert (milestone.contract, milestone.milestone) == ("K3", "M1")
    assert milestone.state == MilestoneState.ACCEPTED
    assert milestone.accepted_on == dt.date(2026, 1, 1)


def test_provisioned_projects_are_listed_with_their_contract_and_status(
    simulator: Simulator, config_for: Config
) -> None:
    kantata = connector_factory(config_for())
    kantata.provision_project(PROJECT, CONTRACT)
    kantata.close_project(PROJECT.id)
    simulator.create("workspaces", {"title": "Not Accord's"})

    (project,) = kantata.listings.project_records()
    (contract,) = kantata.listings.contract_records()

    assert (project.key, project.contract, project.status) == ("PRJ-1", "K1", "archived")
    assert contract.key == "K1"


def test_an_entry_on_a_workspace_accord_did_not_provision_waits_for_its_reference(
    simulator: Simulator, config_for: Config
) -> None:
    kantata = connector_factory(config_for())
    space = simulator.create("workspaces", {"title": "Set up by hand"})["id"]
    fields = {
        "workspace_id": space,
        "user_id": 7,
        "date_performed": "2026-01-05",
        "time_in_minutes": 60,
        "billable": True,
        "approved": True,
    }
    entry = simulator.create("time_entries", fields)["id"]

    before = kantata.time_entries.read(None, 10)
    simulator.references.append(
        {
            "id": "r1",
            "subject_type": "Workspace",
            "subject_id": space,
            "service_name": "Accord",
            "service_model": "contract",
            "service_model_ref": "K9",
        }
    )
    after = kantata.time_entries.read(None, 10)

    assert before.records == [] and "contract" in before.rejected[0].reason
    assert [(r.source_id, r.contract) for r in after.records] == [(entry, "K9")]


@pytest.mark.parametrize(("look_back", "read"), [(300, 3), (0, 2)])
def test_an_entry_stamped_before_the_cursor_but_visible_after_it_is_read_exactly_once(
    simulator: Simulator, config_for: Config, look_back: int, read: int
) -> None:
    """Within the look-back window the late entry is read once; without one it is lost."""
    kantata = connector_factory(config_for(look_back_seconds=look_back))
    seed = seed_time(simulator)
    keys = seed(2)
    first = kantata.time_entries.read(None, 10)
    (late,) = seed(1)  # its transaction began before the others' and committed after the read
    entries = simulator.objects["time_entries"]
    entries[late.removeprefix("kantata-te-")]["updated_at"] = entries[keys[0][11:]]["updated_at"]

    later = kantata.time_entries.read(first.next_cursor, 10)
    again = kantata.time_entries.read(later.next_cursor, 10)

    ids = [r.id for page in (first, later, again) for r in page.records]
    assert ids == [*keys, late][:read]


def test_the_workspace_listing_pages_by_200_and_lists_every_provisioned_project(
    simulator: Simulator, config_for: Config
) -> None:
    kantata = connector_factory(config_for())
    for number in range(1, 206):
        workspace(simulator, f"PRJ-{number}", f"K{number}")

    projects = kantata.listings.project_records()

    assert sorted(p.key for p in projects) == sorted(f"PRJ-{n}" for n in range(1, 206))
    assert {p.contract for p in projects if p.key == "PRJ-205"} == {"K205"}
    listing = [line for line in simulator.log if line.startswith("GET /api/v1/workspaces")]
    assert len(listing) == 2 and "page=2" in listing[1] and "per_page=200" in listing[1]
