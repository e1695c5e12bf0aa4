"""The Workday connector against the simulated tenant: history mapping, paging, faults,
token refresh, mapping errors and a firm's mapping override from its landscape file."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from accord.canonical.v1 import Resource
from accord.connectors.sdk import ThrottledError, UnavailableError, read_all
from accord.connectors.sdk.testing import FakeSleep
from accord.connectors.workday import MAPPINGS, connector_factory
from accord.connectors.workday.mapping import MappingError, worker_mapping
from accord.landscape import load_landscape
from accord.simulators.workday import Simulator
from tests.connectors.simulated import Config, ids_read_across_token_expiry
from tests.connectors.workday.conftest import seed_workers, worker_fields


def test_a_worker_becomes_a_resource_with_employment_periods_and_cost_rates(
    simulator: Simulator, config_for: Config
) -> None:
    simulator.put_worker("E001", **worker_fields())
    workday = connector_factory(config_for())

    (ada,) = workday.list_workers()

    assert isinstance(ada, Resource) and (ada.id, ada.name, ada.role) == (
        "E001",
        "Ada Lovelace",
        "consultant",
    )
    assert [(e.entity, e.valid_from, e.to) for e in ada.employment] == [
        ("DE01", dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
        ("FR01", dt.date(2026, 1, 1), None),
    ]
    assert [(r.valid_from, Decimal(r.rate)) for r in ada.cost_rates] == [
        (dt.date(2025, 1, 1), Decimal("55.00")),
        (dt.date(2026, 1, 1), Decimal("61.50")),
    ]
    assert workday.get_worker("E001") == ada
    assert workday.get_worker("E404") is None


def test_the_stream_pages_by_update_date_without_loss_or_repeats(
    simulator: Simulator, config_for: Config
) -> None:
    workday = connector_factory(config_for(page_size=4))
    keys = seed_workers(simulator)(7)

    pages = list(read_all(workday.workers, None, limit=3))

    assert [r.id for page in pages for r in page.records] == keys
    assert max(len(page.records) for page in pages) == 3


def test_listing_follows_offsets_and_a_worker_the_server_repeats_is_skipped(
    simulator: Simulator, config_for: Config
) -> None:
    workday = connector_factory(config_for(page_size=2))
    keys = seed_workers(simulator)(7)
    simulator.faults.duplicates = True

    assert [r.id for r in workday.list_workers()] == keys
    assert any("offset=6" in line for line in simulator.log)


def test_reads_resume_by_update_date_and_a_changed_worker_comes_again(
    simulator: Simulator, config_for: Config
) -> None:
    workday = connector_factory(config_for())
    seed_workers(simulator)(3)
    first = workday.workers.read(None, 10)
    simulator.put_worker("E002", **worker_fields(descriptor="Renamed"))

    again = workday.workers.read(first.next_cursor, 10)

    assert [r.name for r in again.records] == ["Renamed"]
    assert "updatedFrom=" in simulator.log[-1]


def test_an_expired_access_token_is_refreshed_once_mid_stream(
    simulator: Simulator, config_for: Config
) -> None:
    workday = connector_factory(config_for())
    seed_workers(simulator)(2)

    ids = ids_read_across_token_expiry(workday.workers, simulator)

    assert ids == ["E001", "E002"]
    assert workday.session.token_fetches == 2


def test_429_is_waited_out_as_retry_after_asks_and_persistent_429_is_throttling(
    simulator: Simulator, config_for: Config, fake_sleep: FakeSleep
) -> None:
    seed_workers(simulator)(1)
    simulator.faults.throttle = 2
    simulator.faults.retry_after = 7

    assert [r.id for r in connector_factory(config_for()).list_workers()] == ["E001"]
    assert fake_sleep.waits == [7.0, 7.0], "waited as Retry-After asked, twice"
    simulator.faults.throttle = 100
    with pytest.raises(ThrottledError):
        connector_factory(config_for(max_attempts=2)).list_workers()


def test_429_without_retry_after_backs_off_and_proceeds(
    simulator: Simulator, config_for: Config, fake_sleep: FakeSleep
) -> None:
    seed_workers(simulator)(1)
    simulator.faults.throttle = 1
    simulator.faults.retry_after = None

    assert [r.id for r in connector_factory(config_for()).list_workers()] == ["E001"]
    assert len(fake_sleep.waits) == 1 and fake_sleep.waits[0] > 0


def test_an_outage_is_unavailable_and_check_says_so(
    simulator: Simulator, config_for: Config
) -> None:
    simulator.faults.outage = True
    workday = connector_factory(config_for(max_attempts=2))

    with pytest.raises(UnavailableError):
        workday.workers.read(None, 10)
    result = workday.check(config_for(max_attempts=1))
    assert not result.ok and "503" in result.message


def test_a_wrong_refresh_token_fails_the_check_with_what_to_fix(
    config_for: Config,
) -> None:
    result = connector_factory(config_for()).check(config_for(refresh_token="revoked"))

    assert not result.ok
    assert "invalid_grant" in result.message and "refresh_token" in result.message


def test_a_worker_the_mapping_cannot_read_is_rejected_and_the_rest_proceed(
    simulator: Simulator, config_for: Config
) -> None:
    seed = seed_workers(simulator)
    seed(1)
    simulator.put_worker("E900", **worker_fields(jobProfile=None))
    seed(1)

    page = connector_factory(config_for()).workers.read(None, 10)

    assert [r.id for r in page.records] == ["E001", "E002"]
    (rejected,) = page.rejected
    assert rejected.kind == "resource" and rejected.payload["workerId"] == "E900"
    assert "role" in rejected.reason and "wide900" in rejected.reason


def test_a_firms_mapping_from_its_landscape_file_changes_the_canonical_record(
    simulator: Simulator, config_for: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = (MAPPINGS / "worker-resource.yaml").read_text()
    (tmp_path / "mappings").mkdir()
    (tmp_path / "mappings" / "workers.yaml").write_text(
        shipped.replace("role: jobProfile.id", "role: businessTitle")
    )
    (tmp_path / "landscape.yaml").write_text(
        "version: 1\nsandbox: {}\nsystems:\n  hr:\n    connector: workday\n"
        "    base_url: https://wd2-impl-services1.workday.test\n    settings:\n"
        f"      tenant: {simulator.tenant}\n      client_id: {simulator.client_id}\n"
        "      client_secret: {env: WD_SECRET}\n      refresh_token: {env: WD_REFRESH}\n"
        "      mapping: mappings/workers.yaml\n"
    )
    monkeypatch.setenv("WD_SECRET", simulator.client_secret)
    monkeypatch.setenv("WD_REFRESH", simulator.refresh_token)
    settings = load_landscape(tmp_path / "landscape.yaml").connector_config("systems.hr")
    test_only = {k: v for k, v in config_for().items() if k in ("transport", "sleep", "clock")}
    simulator.put_worker("E001", **worker_fields(businessTitle="architect"))

    default = connector_factory(config_for()).list_workers()
    firm = connector_factory(settings | test_only).list_workers()

    assert [r.role for r in default] == ["consultant"]
    assert [r.role for r in firm] == ["architect"]


def test_a_mapping_naming_unknown_fields_is_refused_when_the_connector_is_built() -> None:
    with pytest.raises(MappingError, match="not fields of resource"):
        worker_mapping({"record": "resource", "fields": {"salary": "pay"}})


@pytest.mark.parametrize(("look_back", "read"), [(300, 3), (0, 2)])
def test_a_worker_stamped_before_the_cursor_but_visible_after_it_is_read_exactly_once(
    simulator: Simulator, config_for: Config, look_back: int, read: int
) -> None:
    """Within the look-back window the late worker is read once; without one it is lost."""
    workday = connector_factory(config_for(look_back_seconds=look_back))
    seed = seed_workers(simulator)
    keys = seed(2)
    first = workday.workers.read(None, 10)
    (late,) = seed(1)  # its transaction began before the others' and committed after the read
    stamps = {w["workerId"]: w["lastUpdated"] for w in simulator.workers.values()}
    simulator.workers[f"wid{late.lower()}"]["lastUpdated"] = stamps[keys[0]]

    later = workday.workers.read(first.next_cursor, 10)
    again = workday.workers.read(later.next_cursor, 10)

    ids = [r.id for page in (first, later, again) for r in page.records]
    assert ids == [*keys, late][:read]
