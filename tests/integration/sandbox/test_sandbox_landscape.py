"""The landscape as the scenario runner and `accord up` drive it: start, clock, faults, activity."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from accord.connectors.sandbox.landscape import SYSTEMS, Landscape


def test_starts_all_six_systems_fast_and_stops() -> None:
    started = time.perf_counter()
    landscape = Landscape().start()
    elapsed = time.perf_counter() - started
    try:
        for system in SYSTEMS:
            assert httpx.get(f"{landscape.base_url(system)}/_sandbox/faults").status_code == 200
    finally:
        landscape.stop()
    # ~0.3 s idle, over 1 s on a busy machine; a landscape that builds its data on start
    # (seconds at least) would fail this
    assert elapsed < 5.0, f"a scenario run starts a landscape; it took {elapsed:.2f} s"


def test_the_clock_api_moves_every_system_and_ends_fault_windows() -> None:
    with Landscape() as landscape:
        http = httpx.Client(base_url=landscape.url)
        http.put("/_sandbox/clock", json={"now": "2026-01-31T00:00:00Z"}).raise_for_status()
        fault = {"kind": "unavailable", "until": "2026-02-05T00:00:00Z"}
        http.post("/billing/_sandbox/faults", json=fault).raise_for_status()

        assert http.get("/billing/documents").status_code == 503
        http.put("/_sandbox/clock", json={"now": "2026-02-05T00:00:00Z"}).raise_for_status()
        assert http.get("/billing/documents").status_code == 200
        assert http.get("/erp/_sandbox/clock").json() == {
            "now": "2026-02-05T00:00:00.000000Z",
            "speed": 0.0,
        }


def test_yaml_config_sets_faults_and_options_and_state_survives_in_sqlite_files(
    tmp_path: Path,
) -> None:
    config = tmp_path / "sandbox.yaml"
    config.write_text(
        "psa:\n  faults: [{kind: throttle, count: 1}]\n"
        "erp:\n  concurrency_limit: 3\n  mandatory_dimensions: {US01: [class]}\n"
    )
    with Landscape.from_yaml(config, state_dir=tmp_path / "state") as landscape:
        http = httpx.Client(base_url=landscape.url)
        throttled = http.get("/psa/projects")
        assert throttled.status_code == 429 and "Retry-After" not in throttled.headers
        assert http.get("/erp/_sandbox/settings").json()["mandatory_dimensions"] == {
            "US01": ["class"]
        }
        http.put("/psa/projects/eid:P1", json={"name": "Kept"}).raise_for_status()
    with Landscape(state_dir=tmp_path / "state") as reopened:
        assert httpx.get(f"{reopened.base_url('psa')}/projects/eid:P1").json()["name"] == "Kept"


def test_the_activity_generator_produces_activity_within_seconds() -> None:
    with Landscape() as landscape:
        landscape.set_clock(datetime(2026, 1, 5, tzinfo=UTC))
        activity = landscape.start_activity(speed=86_400, vendors=False)
        deadline = time.monotonic() + 10
        while activity.counts["time_entries"] < 20 and time.monotonic() < deadline:
            time.sleep(0.1)
        landscape.stop_activity()

        assert activity.counts["time_entries"] >= 20
        assert landscape.clock.now() > datetime(2026, 1, 6, tzinfo=UTC)
        workers = httpx.get(f"{landscape.base_url('hr')}/workers", params={"limit": 1000}).json()
        assert len(workers["items"]) == 150
        contracts = httpx.get(
            f"{landscape.base_url('clm')}/contracts", params={"limit": 1000}
        ).json()
        kinds = {t["type"] for c in contracts["items"] for t in c["terms"]}
        assert len(contracts["items"]) == 60
        assert kinds == {"time_and_materials", "fixed_fee", "retainer"}
