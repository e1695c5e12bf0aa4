"""The business clock follows the landscape: the sandbox's only when it is the sandbox."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from accord.application.clock import utc_now
from accord.bootstrap import wire_hub
from accord.landscape import Landscape, LandscapeFile, SystemConfig
from accord.settings import Settings

SIMULATED = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)


def test_a_landscape_without_the_sandbox_runs_on_the_wall_clock(tmp_path: Path) -> None:
    systems = {
        role: SystemConfig(connector=f"sandbox-{role}", base_url=f"http://{role}.internal")
        for role in ("crm", "clm", "psa", "billing", "erp")
    }
    settings = Settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'accord.sqlite'}")
    own = wire_hub(settings, Landscape(LandscapeFile(systems=systems), tmp_path, "own"))
    own.hub.close()
    sandbox = wire_hub(
        settings, sandbox_url=lambda role: f"http://sandbox/{role}", sandbox_clock=lambda: SIMULATED
    )
    sandbox.hub.close()

    assert own.clock is utc_now
    assert sandbox.clock() == SIMULATED
    assert sorted(own.services.connectors) == sorted(f"sandbox-{r}" for r in systems)
