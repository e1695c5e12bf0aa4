"""The first admin key: made once per home, on SQLite, and audited."""

from __future__ import annotations

from pathlib import Path

from accord.adapters.governance import build_sql_governance
from accord.adapters.store import create_store_engine, migrate
from accord.application.governance import GovernanceSettings
from accord.cli.startup import create_first_admin_key


def test_a_new_home_gets_one_admin_key_and_a_later_start_none(tmp_path: Path) -> None:
    engine = create_store_engine(f"sqlite:///{tmp_path / 'accord.sqlite'}")
    try:
        migrate(engine)
        governance = build_sql_governance(engine, GovernanceSettings())

        token = create_first_admin_key(governance)
        assert token is not None
        assert governance.keys.authenticate(token).roles == {"admin"}
        assert create_first_admin_key(governance) is None
        assert [key.name for key in governance.keys.list()] == ["first-admin"]
        actions = [record.action for record in governance.audit.records()]
        assert actions == ["api_key.created"]
    finally:
        engine.dispose()
