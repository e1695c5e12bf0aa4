"""A simulated account with a state directory outlives its simulator: a project
provisioned before a restart is found again by its external reference after it (not
provisioned twice), and approved time logged before it is read back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from accord.connectors.kantata import KantataConnector, connector_factory
from accord.simulators.kantata import Simulator, create_app
from accord.simulators.state import StateStore
from tests.connectors.kantata.conftest import BASE_URL, seed_time
from tests.connectors.kantata.test_kantata_contract import CONTRACT, PROJECT
from tests.connectors.simulated import Config, served


@pytest.fixture
def state_file(tmp_path: Path) -> Path:
    return tmp_path / "kantata.sqlite3"


@pytest.fixture
def simulator(state_file: Path) -> Simulator:
    return Simulator(state=StateStore(state_file))


@contextmanager
def restarted(state_file: Path, config_for: Config) -> Iterator[tuple[Simulator, KantataConnector]]:
    """A new simulator that found its account in `state_file`, and a connector to it."""
    again = Simulator(state=StateStore(state_file))
    with served(create_app(again), BASE_URL) as transport:
        yield again, connector_factory(config_for(transport=transport))


def test_a_project_provisioned_before_a_restart_is_found_again_after_it(
    state_file: Path, config_for: Config
) -> None:
    first = connector_factory(config_for()).provision_project(PROJECT, CONTRACT)

    with restarted(state_file, config_for) as (again, kantata):
        assert kantata.provision_project(PROJECT, CONTRACT) == first
        (project,) = kantata.listings.project_records()
        assert (project.key, project.contract) == (PROJECT.id, CONTRACT.id)
        assert len(again.objects["workspaces"]) == 1


def test_time_logged_before_a_restart_is_read_back_and_new_ids_do_not_collide(
    simulator: Simulator, state_file: Path, config_for: Config
) -> None:
    logged = seed_time(simulator)(3)

    with restarted(state_file, config_for) as (again, kantata):
        more = seed_time(again)(1)
        read = sorted(entry.id for entry in kantata.approved_time(None))

    assert set(more).isdisjoint(logged)
    assert read == sorted(logged + more)
