"""The sandbox hub on a server store (PostgreSQL, MariaDB) plays a public scenario's
months as `accord scenario run` does: contracts signed, time approved and corrected,
invoice runs posted to the billing system and the ERP, payments. Its report matches the
scenario's expectations, and reconciliation finds nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.scenarios.format import Scenario, load_scenario
from accord.scenarios.report import differences
from accord.scenarios.runner import ScenarioRunner
from accord.settings import Settings
from tests.integration.wired_store import SERVER_DATABASES, database_url_of
from tests.scenario_files import scenario_file

pytestmark = pytest.mark.slow


class ServerStoreRunner(ScenarioRunner):
    """The scenario runner with the hub's store on `database_url` (flows stay on SQLite
    in the working directory)."""

    def __init__(self, scenario: Scenario, workdir: Path, database_url: str) -> None:
        super().__init__(scenario, workdir)
        self.database_url = database_url

    def settings(self) -> Settings:
        return Settings(home=self.workdir, database_url=self.database_url)


@pytest.fixture(params=SERVER_DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return database_url_of(request, tmp_path)


def test_a_scenario_bills_its_months_as_expected_and_reconciles_clean(
    database_url: str, tmp_path: Path
) -> None:
    scenario = load_scenario(scenario_file("tm-correction-de.yaml"))
    assert scenario.expect, "a scenario without expectations proves nothing"

    report = ServerStoreRunner(scenario, tmp_path, database_url).run()

    assert list(differences(scenario.expect, report)) == []
    assert report["documents"], "nothing was billed"
    assert report["reconciliation"]["discrepancies"] == []
