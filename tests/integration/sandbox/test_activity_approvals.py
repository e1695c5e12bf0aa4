"""The generated firm's time and expenses wait for an approver: most are approved a few
simulated days after submission, some rejected, some left waiting, the same way for the
same seed. What the PSA holds is read back from the sandbox PSA."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import httpx

from accord.connectors.sandbox.generator import ActivityGenerator
from accord.connectors.sandbox.generic_systems import GenericSystems
from accord.connectors.sandbox.landscape import Landscape

FIRST_DAY = date(2026, 1, 5)  # a Monday
WORKING_DAYS = 20


def _working_days() -> list[date]:
    days = (FIRST_DAY + timedelta(days=n) for n in range(WORKING_DAYS * 2))
    return [day for day in days if day.weekday() < 5][:WORKING_DAYS]


def _state(entry: dict[str, object]) -> str:
    if entry["rejected"]:
        return "rejected"
    return "approved" if entry["approved"] else "submitted"


def _play(seed: int) -> tuple[dict[str, str], dict[str, str], ActivityGenerator]:
    """Twenty working days of activity; each time entry's and expense's approval state,
    keyed by what identifies it across runs (external reference, or position)."""
    with Landscape() as landscape:
        landscape.set_clock(datetime.combine(FIRST_DAY, datetime.min.time(), UTC))
        generator = ActivityGenerator(landscape.clock, GenericSystems(landscape.url), seed=seed)
        generator.load()
        with httpx.Client(base_url=landscape.url, timeout=30) as http:
            for day in _working_days():
                generator.produce_day(day)
            params = {"limit": 1000}
            time = http.get("/psa/time_entries", params=params).raise_for_status().json()
            expenses = http.get("/psa/expenses", params=params).raise_for_status().json()
    assert time["next_page"] is None and expenses["next_page"] is None
    by_reference = {e["external_reference"]: _state(e) for e in time["items"]}
    by_position = {str(n): _state(e) for n, e in enumerate(expenses["items"])}
    return by_reference, by_position, generator


def test_most_work_is_approved_later_some_rejected_some_waiting_and_the_seed_decides() -> None:
    time, expenses, generator = _play(seed=7)

    shares = Counter(time.values())
    assert len(time) >= 200  # about 12 a day
    assert 0.75 < shares["approved"] / len(time) < 0.92
    assert shares["rejected"] > 0 and shares["submitted"] > 0
    assert set(Counter(expenses.values())) <= {"approved", "rejected", "submitted"}
    assert Counter(expenses.values())["approved"] > 0
    assert generator.counts["time_entries_approved"] == shares["approved"]
    assert generator.counts["time_entries_rejected"] == shares["rejected"]
    assert generator.counts["failed"] == 0

    # An entry logged on the last day is still waiting: approval takes simulated days.
    last_day = sorted(time)[-5:]
    assert {time[reference] for reference in last_day} == {"submitted"}

    again, expenses_again, _ = _play(seed=7)
    assert again == time and expenses_again == expenses
    other, _, _ = _play(seed=8)
    assert other != time
