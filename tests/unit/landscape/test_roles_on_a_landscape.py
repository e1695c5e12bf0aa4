"""Scaled-out roles need PostgreSQL, and the shared sandbox only when the landscape is
the sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.cli.roles import RoleError, ScaleOut
from accord.landscape import Landscape, LandscapeFile, SystemConfig
from accord.settings import Settings

POSTGRES = Settings(home=Path("/nonexistent"), database_url="postgresql+psycopg://db/accord")


def own_systems() -> Landscape:
    systems = {
        role: SystemConfig(connector=f"sandbox-{role}", base_url=f"http://{role}.internal")
        for role in ("crm", "clm", "psa", "billing", "erp")
    }
    return Landscape(LandscapeFile(systems=systems), Path("."), "landscape.yaml")


def test_a_landscape_without_the_sandbox_needs_no_sandbox_url() -> None:
    ScaleOut(POSTGRES, "", "worker-1", own_systems()).check("worker")


def test_the_sandbox_landscape_still_asks_for_the_shared_sandbox() -> None:
    with pytest.raises(RoleError, match="ACCORD_SANDBOX_URL"):
        ScaleOut(POSTGRES, "", "worker-1").check("worker")


def test_a_role_on_a_mariadb_store_asks_for_postgresql() -> None:
    mariadb = Settings(home=Path("/nonexistent"), database_url="mysql+pymysql://db/accord")
    with pytest.raises(RoleError, match="needs PostgreSQL"):
        ScaleOut(mariadb, "", "worker-1", own_systems()).check("worker")
