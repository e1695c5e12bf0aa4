"""The sandbox PSA's feed and throttling, driven through `SandboxPsaConnector`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from itertools import count
from typing import Any

import httpx
import pytest

from accord.canonical.v1 import Contract, Project
from accord.connectors.sandbox.landscape import Landscape
from accord.connectors.sandbox.psa import SandboxPsaConnector, connector_factory
from accord.connectors.sdk import read_all
from accord.connectors.sdk.testing import FakeSleep
from accord.connectors.sdk.testing.suite import (
    ConnectorContract,
    IdempotentWrite,
    StreamCase,
    ThrottledBurst,
)

CONTRACT = Contract(
    id="K1", customer="C1", entity="DE01", currency="EUR", start=dt.date(2026, 1, 1)
)
PROJECT = Project(id="PRJ-K1", contract="K1", name="Nordwind rollout")


@pytest.fixture
def psa(config_for: Callable[..., dict[str, Any]]) -> SandboxPsaConnector:
    connector = connector_factory(config_for("psa"))
    connector.provision_project(PROJECT, CONTRACT)
    return connector


@pytest.fixture
def users(landscape: Landscape) -> httpx.Client:
    """The PSA as consultants use it: they log and correct time directly."""
    return httpx.Client(base_url=landscape.base_url("psa"))


def log_time(users: httpx.Client, reference: str, minutes: int, day: int = 2) -> str:
    body = {
        "project": "PRJ-K1",
        "user_id": "R1",
        "date_performed": f"2026-02-{day:02d}",
        "time_in_minutes": minutes,
        "term": "TM",
        "external_reference": reference,
    }
    response = users.post("/time_entries", json=body)
    response.raise_for_status()
    return str(response.json()["id"])


def test_a_duplicated_reordered_feed_yields_each_change_once_in_business_order(
    landscape: Landscape, psa: SandboxPsaConnector, users: httpx.Client
) -> None:
    landscape.inject("psa", {"kind": "duplicate", "rate": 0.5})
    landscape.inject("psa", {"kind": "reorder", "rate": 1.0})
    for n in range(1, 6):
        entry = log_time(users, f"T{n}", 60 * n)
        users.patch(f"/time_entries/{entry}", json={"time_in_minutes": 60 * n + 30})
    raw = users.get("/events", params={"limit": 1000}).json()["events"]
    assert len(raw) > len({e["id"] for e in raw}), "the feed must really deliver duplicates"

    stream = next(s for s in psa.streams() if s.name == "time_entries")
    changes = [r for page in read_all(stream, None, limit=3) for r in page.records]

    assert [(c.id, c.version, c.hours) for c in changes] == [
        (f"T{n}", version, hours) for n in range(1, 6) for version, hours in ((1, n), (2, n + 0.5))
    ]


def test_the_feed_resumes_without_repeating_what_it_delivered(
    psa: SandboxPsaConnector, users: httpx.Client, landscape: Landscape
) -> None:
    landscape.inject("psa", {"kind": "duplicate", "rate": 1.0})
    stream = next(s for s in psa.streams() if s.name == "time_entries")
    log_time(users, "T1", 60)
    first = stream.read(None, 10)
    log_time(users, "T2", 120)
    second = stream.read(first.next_cursor, 10)

    assert [e.id for e in first.records] == ["T1"]
    assert [e.id for e in second.records] == ["T2"]


def test_throttling_without_retry_after_is_absorbed_by_backoff(
    landscape: Landscape, psa: SandboxPsaConnector, users: httpx.Client, fake_sleep: FakeSleep
) -> None:
    log_time(users, "T1", 90)
    landscape.inject("psa", {"kind": "throttle", "count": 3})

    psa.mark_invoiced(["T1"], "INV-DE01-000001")

    assert psa.count_invoiced_entries() == 1
    assert len(fake_sleep.waits) == 3
    assert all(wait < 1 for wait in fake_sleep.waits), "no Retry-After: exponential backoff"


class TestSandboxPsaContract(ConnectorContract):
    @pytest.fixture
    def connector(self, psa: SandboxPsaConnector) -> SandboxPsaConnector:
        return psa

    @pytest.fixture
    def connector_config(self, config_for: Callable[..., dict[str, Any]]) -> Mapping[str, Any]:
        return config_for("psa")

    @pytest.fixture
    def idempotent_writes(
        self, psa: SandboxPsaConnector, users: httpx.Client
    ) -> Sequence[IdempotentWrite]:
        log_time(users, "T-idem", 60)
        return [
            IdempotentWrite(
                port="PsaGateway",
                name="mark_invoiced",
                write=lambda: psa.mark_invoiced(["T-idem"], "INV-DE01-000001"),
                count=psa.count_invoiced_entries,
            )
        ]

    @pytest.fixture
    def stream_cases(self, users: httpx.Client) -> Sequence[StreamCase]:
        numbers = count(1)

        def seed_time(n: int) -> list[str]:
            refs = [f"T{next(numbers)}" for _ in range(n)]
            for ref in refs:
                log_time(users, ref, 60)
            return refs

        def seed_expenses(n: int) -> list[str]:
            refs = [f"E{next(numbers)}" for _ in range(n)]
            for ref in refs:
                users.post(
                    "/expenses",
                    json={
                        "project": "PRJ-K1",
                        "user_id": "R1",
                        "date": "2026-02-02",
                        "amount": "42.50",
                        "currency": "EUR",
                        "external_reference": ref,
                    },
                ).raise_for_status()
            return refs

        def seed_milestones(n: int) -> list[str]:
            refs = [f"M{next(numbers)}" for _ in range(n)]
            for ref in refs:
                users.put(
                    f"/milestones/eid:K1.FF.{ref}",
                    json={
                        "project": "PRJ-K1",
                        "name": ref,
                        "term": "FF",
                        "milestone": ref,
                        "accepted": True,
                        "accepted_on": "2026-02-03",
                    },
                ).raise_for_status()
            return [f"K1/FF/{ref}" for ref in refs]

        return [
            StreamCase("time_entries", seed_time, key=lambda e: str(e.id)),
            StreamCase("expenses", seed_expenses, key=lambda e: str(e.id)),
            StreamCase("milestones", seed_milestones, key=lambda m: m.business_key()),
        ]

    @pytest.fixture
    def throttled_burst(
        self, landscape: Landscape, psa: SandboxPsaConnector, users: httpx.Client
    ) -> ThrottledBurst:
        for n in range(20):
            log_time(users, f"B{n}", 60)
        landscape.inject("psa", {"kind": "throttle", "count": 5, "path": "/time_entries/invoice"})
        return ThrottledBurst(
            write=lambda i: psa.mark_invoiced([f"B{i}"], f"INV-DE01-{i:06d}"),
            count=psa.count_invoiced_entries,
        )


def test_an_entrys_approval_reaches_the_feed_as_submitted_then_approved_or_rejected(
    psa: SandboxPsaConnector, users: httpx.Client
) -> None:
    for reference, decision in (("T1", {"approved": True}), ("T2", {"rejected": True})):
        body = {"project": "PRJ-K1", "user_id": "R1", "date_performed": "2026-02-02"}
        body |= {"time_in_minutes": 60, "approved": False, "external_reference": reference}
        entry = users.post("/time_entries", json=body).raise_for_status().json()["id"]
        users.patch(f"/time_entries/{entry}", json=decision).raise_for_status()

    stream = next(s for s in psa.streams() if s.name == "time_entries")
    changes = [r for page in read_all(stream, None, limit=10) for r in page.records]

    assert [(c.id, c.version, str(c.status)) for c in changes] == [
        ("T1", 1, "submitted"),
        ("T1", 2, "approved"),
        ("T2", 1, "submitted"),
        ("T2", 2, "rejected"),
    ]
