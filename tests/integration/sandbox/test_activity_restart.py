"""A generator started again on a landscape it filled before (`accord up` restarted on
its home) submits new time entries: it never resubmits an earlier entry's reference,
which would make the PSA replace an approved, perhaps invoiced entry by a new one on
another project. What the PSA holds is read back from the sandbox PSA."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx

from accord.connectors.sandbox.generator import ActivityGenerator
from accord.connectors.sandbox.generic_systems import GenericSystems
from accord.connectors.sandbox.landscape import Landscape

FIRST_DAY = date(2026, 1, 5)  # a Monday


def _entries(http: httpx.Client) -> dict[str, dict[str, object]]:
    body = http.get("/psa/time_entries", params={"limit": 1000}).raise_for_status().json()
    assert body["next_page"] is None
    return {str(e["external_reference"]): e for e in body["items"]}


def test_a_restarted_generator_numbers_on_and_leaves_earlier_entries_alone() -> None:
    with Landscape() as landscape:
        landscape.set_clock(datetime.combine(FIRST_DAY, datetime.min.time(), UTC))
        with httpx.Client(base_url=landscape.url, timeout=30) as http:
            first = ActivityGenerator(landscape.clock, GenericSystems(landscape.url), seed=7)
            first.load()
            for offset in range(3):
                first.produce_day(FIRST_DAY + timedelta(days=offset))
            before = _entries(http)

            restarted = ActivityGenerator(landscape.clock, GenericSystems(landscape.url), seed=7)
            restarted.load()
            restarted.produce_day(FIRST_DAY + timedelta(days=3))
            after = _entries(http)

    assert len(before) >= 20
    assert {k: after[k] for k in before} == before, "earlier entries are untouched"
    assert len(after) > len(before), "the restarted generator adds new entries"
