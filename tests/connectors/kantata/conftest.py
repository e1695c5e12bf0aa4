"""A simulated Kantata OX account served in-process, and connectors that never really sleep."""

from __future__ import annotations

from collections.abc import Callable
from itertools import count
from typing import Any

import httpx
import pytest

from accord.connectors.sdk.testing import FakeSleep
from accord.simulators.kantata import Simulator, create_app
from tests.connectors.simulated import settings_builder, transport_fixture

BASE_URL = "https://api.mavenlink.test"


@pytest.fixture
def simulator() -> Simulator:
    return Simulator()


transport = transport_fixture(create_app, BASE_URL)


@pytest.fixture
def config_for(
    simulator: Simulator, transport: httpx.BaseTransport, fake_sleep: FakeSleep
) -> Callable[..., dict[str, Any]]:
    """Connector settings for the simulated account, with `extra` on top."""
    return settings_builder(
        BASE_URL,
        transport,
        fake_sleep,
        access_token="initial-token",
        client_id=simulator.client_id,
        client_secret=simulator.client_secret,
        refresh_token=simulator.refresh_token,
    )


def workspace(simulator: Simulator, project: str = "PRJ-1", contract: str = "K1") -> str:
    """A workspace Accord provisioned for `project` of `contract`; its id."""
    refs = [
        {"service_name": "Accord", "service_model": model, "service_model_ref": ref}
        for model, ref in (("project", project), ("contract", contract))
    ]
    obj = simulator.create("workspaces", {"title": project, "external_references_attributes": refs})
    return str(obj["id"])


def seed_time(simulator: Simulator, **changes: Any) -> Callable[[int], list[str]]:
    """`seed(n)`: n approved time entries on one workspace; their canonical ids."""
    space = workspace(simulator, "PRJ-T", "K1")
    days = count(1)

    def seed(n: int) -> list[str]:
        made = []
        for _ in range(n):
            fields = {
                "workspace_id": space,
                "user_id": 7,
                "date_performed": f"2026-01-{next(days) % 28 + 1:02d}",
                "time_in_minutes": 90,
                "billable": True,
                "approved": True,
                "notes": "work",
                **changes,
            }
            made.append(f"kantata-te-{simulator.create('time_entries', fields)['id']}")
        return made

    return seed


def seed_expenses(simulator: Simulator) -> Callable[[int], list[str]]:
    """`seed(n)`: n approved expenses on one workspace; their canonical ids."""
    space = workspace(simulator, "PRJ-2", "K2")

    def seed(n: int) -> list[str]:
        fields = {
            "workspace_id": space,
            "user_id": 7,
            "date": "2026-01-05",
            "amount_in_cents": 12345,
            "currency": "EUR",
            "is_billable": True,
            "approved": True,
            "category": "travel",
        }
        return [f"kantata-ex-{simulator.create('expenses', fields)['id']}" for _ in range(n)]

    return seed


def seed_milestones(simulator: Simulator) -> Callable[[int], list[str]]:
    """`seed(n)`: n completed milestone stories on one workspace; their titles."""
    space = workspace(simulator, "PRJ-3", "K3")
    numbers = count(1)

    def seed(n: int) -> list[str]:
        titles = [f"M{next(numbers)}" for _ in range(n)]
        for title in titles:
            fields = {
                "workspace_id": space,
                "title": title,
                "story_type": "milestone",
                "state": "completed",
            }
            simulator.create("stories", fields)
        return titles

    return seed
