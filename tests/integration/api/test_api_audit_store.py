"""The audit log on SQLite and PostgreSQL: the database refuses edits of chained columns,
retention may erase documents, and the chain still verifies; a change and its audit row
are written in one transaction, so a failure after either leaves neither."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from accord.adapters.audit_log import SqlAlchemyAuditLog
from accord.adapters.governance import build_sql_governance
from accord.adapters.store import create_store_engine, migrate
from accord.application.audit import AuditEntry, AuditRecord
from accord.application.governance import GovernanceSettings
from accord.application.retention import RetentionPolicy
from accord.application.security import Role
from accord.domain.exceptions import BusinessException, ExceptionKind, ExceptionStatus
from tests.clocks import FakeWallClock
from tests.integration.api.conftest import ApiWorld
from tests.integration.wired_store import DATABASES, database_url_of


@pytest.fixture(params=DATABASES)
def engine(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    url = database_url_of(request, tmp_path)
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
    purged = build_sql_governance(engine, settings, FakeWallClock(later)).retention.purge(
        "cli:operator", "c-purge"
    )

    assert purged.audit_rows_purged == 3  # R0, R2 and the hold row; R1 is held
    rows = {row.subject: row for row in governance.audit.records()}
    assert rows["resource:R0"].after is None and rows["resource:R1"].after is not None
    assert governance.audit.verify().ok


class AuditFailure(Exception):
    """Stands for anything going wrong after a change was made (a crash, a full disk)."""


def test_a_change_and_its_audit_row_commit_together_or_not_at_all(engine: sa.Engine) -> None:
    governance = build_sql_governance(engine, GovernanceSettings())
    issued = governance.keys.create("psa-connector", [Role.INTEGRATION], None)
    rows_before = len(governance.audit.records())

    with pytest.raises(AuditFailure), governance.audit.transaction():
        governance.keys.revoke(issued.record.key_id)
        hold = governance.retention.place_hold("crm", "tribunal", "oidc:legal", "c-1")
        governance.audit.record("oidc:admin", "api_key.revoked", "api_key:x", correlation_id="c-2")
        raise AuditFailure

    assert governance.keys.is_active(issued.record.key_id)
    assert governance.retention.holds() == [] and hold.id >= 1
    assert len(governance.audit.records()) == rows_before
    assert governance.audit.verify().ok

    with governance.audit.transaction():
        governance.keys.revoke(issued.record.key_id)
        governance.audit.record("oidc:admin", "api_key.revoked", "api_key:x", correlation_id="c")
    assert not governance.keys.is_active(issued.record.key_id)
    assert [row.action for row in governance.audit.records()][-1] == "api_key.revoked"
    assert governance.audit.verify().ok


class UnavailableAuditLog(SqlAlchemyAuditLog):
    """The store's audit table, to which no row can be appended."""

    def append(self, entry: AuditEntry, at: datetime) -> AuditRecord:
        raise AuditFailure("the audit log is unavailable")


def test_when_the_audit_row_cannot_be_written_the_change_is_rolled_back(world: ApiWorld) -> None:
    admin = world.as_role(Role.ADMIN)
    with world.hub.unit_of_work() as uow:
        problem = BusinessException(ExceptionKind.UNKNOWN_REFERENCE, "TE-9", "no such project")
        exception_id = uow.exceptions.raise_(problem, {}, datetime.now(UTC))
        uow.commit()
    key_id = world.governance.keys.list()[0].key_id
    rows_before = len(world.governance.audit.records())
    unavailable = UnavailableAuditLog(world.hub.engine)
    engine, settings = world.hub.engine, world.governance.settings
    world.serve(governance=build_sql_governance(engine, settings, audit_log=unavailable))

    action = world.client.post(
        f"/api/v1/exceptions/{exception_id}/actions",
        json={"action": "skip", "note": "test data"},
        headers=admin,
    )
    revoke = world.client.post(f"/api/v1/keys/{key_id}/revocation", headers=admin)
    hold = world.client.post(
        "/api/v1/legal-holds", json={"scope": "crm", "reason": "r"}, headers=admin
    )

    assert (action.status_code, revoke.status_code, hold.status_code) == (500, 500, 500)
    assert world.hub.exceptions()[0].status is ExceptionStatus.OPEN
    assert world.governance.keys.is_active(key_id)
    assert world.governance.retention.holds() == []
    assert len(world.governance.audit.records()) == rows_before
