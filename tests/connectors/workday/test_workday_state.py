"""A simulated tenant with a state directory outlives its simulator: workers are read
back after a restart, and a cursor taken before it resumes with only what changed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from accord.connectors.workday import WorkdayHrConnector, connector_factory
from accord.simulators.state import StateStore
from accord.simulators.workday import Simulator, create_app
from tests.connectors.simulated import Config, served
from tests.connectors.workday.conftest import BASE_URL, seed_workers, worker_fields


@pytest.fixture
def state_file(tmp_path: Path) -> Path:
    return tmp_path / "workday.sqlite3"


@pytest.fixture
def simulator(state_file: Path) -> Simulator:
    return Simulator(state=StateStore(state_file))


@contextmanager
def restarted(
    state_file: Path, config_for: Config
) -> Iterator[tuple[Simulator, WorkdayHrConnector]]:
    """A new simulator that found its tenant in `state_file`, and a connector to it."""
    again = Simulator(state=StateStore(state_file))
    with served(create_app(again), BASE_URL) as transport:
        yield again, connector_factory(config_for(transport=transport))


def test_a_cursor_from_before_a_restart_resumes_with_only_the_changed_worker(
    simulator: Simulator, state_file: Path, config_for: Config
) -> None:
    keys = seed_workers(simulator)(3)
    first = connector_factory(config_for()).workers.read(None, 10)

    with restarted(state_file, config_for) as (again, workday):
        assert sorted(r.id for r in workday.list_workers()) == keys
        again.put_worker("E002", **worker_fields(descriptor="Renamed"))
        changed = workday.workers.read(first.next_cursor, 10)

    assert [r.name for r in changed.records] == ["Renamed"]
