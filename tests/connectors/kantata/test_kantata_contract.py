"""The Kantata connector passes the SDK's contract suite against the simulated account."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest

from accord.canonical.v1 import Contract, Project
from accord.connectors.kantata import KantataConnector, connector_factory
from accord.connectors.sdk.testing.suite import (
    IdempotentWrite,
    StreamCase,
    ThrottledBurst,
)
from accord.simulators.kantata import Simulator
from tests.connectors.kantata.conftest import seed_expenses, seed_milestones, seed_time
from tests.connectors.simulated import SimulatedContract

CONTRACT = Contract(
    id="K1", customer="C1", entity="DE01", currency="EUR", start=dt.date(2026, 1, 1)
)
PROJECT = Project(id="PRJ-1", contract="K1", name="Rollout")


@pytest.fixture
def kantata(config_for: Callable[..., dict[str, Any]]) -> KantataConnector:
    return connector_factory(config_for())


class TestKantataContract(SimulatedContract):
    @pytest.fixture
    def connector(self, kantata: KantataConnector) -> KantataConnector:
        return kantata

    @pytest.fixture
    def unreachable_config(self) -> Mapping[str, Any]:
        return {"base_url": "http://127.0.0.1:9", "access_token": "t", "max_attempts": 1}

    @pytest.fixture
    def idempotent_writes(
        self, simulator: Simulator, kantata: KantataConnector
    ) -> Sequence[IdempotentWrite]:
        entries = seed_time(simulator)(2)
        return [
            IdempotentWrite(
                port="PsaGateway",
                name="provision_project",
                write=lambda: kantata.provision_project(PROJECT, CONTRACT),
                count=lambda: simulator.count_referenced("workspaces", "project"),
            ),
            IdempotentWrite(
                port="PsaGateway",
                name="mark_invoiced",
                write=lambda: kantata.mark_invoiced(entries, "INV-DE01-000001"),
                count=lambda: simulator.count_referenced("invoices", "invoice"),
            ),
        ]

    @pytest.fixture
    def stream_cases(self, simulator: Simulator) -> Sequence[StreamCase]:
        return [
            StreamCase("time_entries", seed_time(simulator), key=lambda r: str(r.id)),
            StreamCase("expenses", seed_expenses(simulator), key=lambda r: str(r.id)),
            StreamCase("milestones", seed_milestones(simulator), key=lambda r: str(r.milestone)),
        ]

    @pytest.fixture
    def throttled_burst(self, simulator: Simulator, kantata: KantataConnector) -> ThrottledBurst:
        simulator.faults.throttle = 5
        return ThrottledBurst(
            write=lambda i: kantata.provision_project(
                Project(id=f"PRJ-{i}", contract="K1", name=f"P{i}"), CONTRACT
            ),
            count=lambda: simulator.count_referenced("workspaces", "project"),
            size=10,
            workers=4,
        )
