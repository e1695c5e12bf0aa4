"""The audit log on SQLite and PostgreSQL: the database refuses edits of chained columns,
retention may erase documents, and the chain still verifies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from accord.adapters.governance import build_sql_governance
from accord.adapters.store import create_store_engine, migrate
from accord.application.governance import GovernanceSettings
from accord.application.retention import RetentionPolicy


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    url = (
        f"sqlite:///{tmp_path / 'accord.sqlite'}"
        if request.param == "sqlite"
        else str(request.getfixturevalue("postgres_url"))
    )
    built = create_store_engine(url)
    migrate(built)
    yield built
    built.dispose()


def test_the_store_refuses_edits_and_purges_keep_the_chain_whole(engine: sa.Engine) -> None:
    later = datetime.now(UTC) + timedelta(days=400)
    settings = GovernanceSettings(retention=RetentionPolicy(personal_data_days=365))
    governance = build_sql_governance(engine, settings)
    for n in range(3):
        governance.audit.record(
            "oidc:hr-admin",
            "resource.updated",
            f"resource:R{n}",
            before={"salary": "80000"},
            after={"salary": "85000"},
            correlation_id=f"c{n}",
        )
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(sa.text("UPDATE audit_log SET actor = 'x' WHERE seq = 2"))
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM audit_log WHERE seq = 3"))

    governance.retention.place_hold("resource:R1", "tribunal", "oidc:legal", "c-hold")
    purged = build_sql_governance(engine, settings, clock=lambda: later).retention.purge(
        "cli:operator", "c-purge"
    )

    assert purged.audit_rows_purged == 3  # R0, R2 and the hold row; R1 is held
    rows = {row.subject: row for row in governance.audit.records()}
    assert rows["resource:R0"].after is None and rows["resource:R1"].after is not None
    assert governance.audit.verify().ok
