"""The audit trail cannot be rewritten unnoticed, on SQLite and PostgreSQL.

The database lets a row be purged once and refuses every other change; someone who
gets past that (drops the triggers) is caught by `verify`: a changed column breaks the
chain at its row, a purged row's document cannot come back, and the signed anchors
outside the database catch a cut-off tail and a chain recomputed from the first row.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from accord.adapters.audit_anchor_file import JsonLinesAnchorFile
from accord.adapters.governance import build_sql_governance
from accord.adapters.governance_tables import audit_head, audit_log
from accord.adapters.store import create_store_engine, migrate
from accord.application.audit import AuditEntry, AuditTampered, AuditTrail, row_hash
from accord.application.audit_anchor import Anchoring, AnchorKey, NotAnchored
from accord.application.governance import Governance, GovernanceSettings
from accord.application.retention import RetentionPolicy
from accord.application.security import Role
from tests.clocks import FakeWallClock
from tests.integration.api.conftest import ApiWorld
from tests.integration.wired_store import DATABASES, database_url_of

KEY = b"audit-key-0123456789abcdef-0123456789"
ROWS = 5
LATER = datetime.now(UTC) + timedelta(days=400)


@pytest.fixture(params=DATABASES)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    url = database_url_of(request, tmp_path)
    built = create_store_engine(url)
    migrate(built)
    yield built
    built.dispose()


def _governance(
    engine: sa.Engine, anchors: Path, key: bytes | None = KEY, clock: FakeWallClock | None = None
) -> Governance:
    anchoring = Anchoring(AnchorKey(key) if key else None, JsonLinesAnchorFile(anchors))
    settings = GovernanceSettings(retention=RetentionPolicy(personal_data_days=365))
    if clock is None:
        return build_sql_governance(engine, settings, anchoring=anchoring)
    return build_sql_governance(engine, settings, clock, anchoring=anchoring)


@pytest.fixture
def trail(engine: sa.Engine, tmp_path: Path) -> AuditTrail:
    audit = _governance(engine, tmp_path / "anchors.jsonl").audit
    for n in range(1, ROWS + 1):
        audit.record(
            "oidc:hr-admin",
            "resource.updated",
            f"resource:R{n}",
            before={"salary": "80000"},
            after={"salary": "85000"},
            correlation_id=f"c{n}",
        )
    return audit


def _update(engine: sa.Engine, row: int, **values: Any) -> None:
    with engine.begin() as connection:
        connection.execute(sa.update(audit_log).where(audit_log.c.seq == row).values(**values))


def _as_attacker(engine: sa.Engine) -> None:
    """What someone with full write access to the database does first."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
            connection.execute(sa.text("ALTER TABLE audit_head DISABLE TRIGGER USER"))
            return
        for name in (
            "audit_log_no_update",
            "audit_log_no_delete",
            "audit_head_forward",
            "audit_head_no_delete",
        ):
            connection.execute(sa.text(f"DROP TRIGGER {name}"))


CHANGES: dict[str, Any] = {
    "seq": 30,
    "at": datetime(2020, 1, 1, tzinfo=UTC),
    "actor": "oidc:mallory",
    "action": "resource.viewed",
    "subject": "resource:R9",
    "correlation_id": "forged",
    "before": {"salary": "1"},
    "after": {"salary": "999999"},
    "before_digest": "a" * 64,
    "after_digest": "b" * 64,
    "previous_hash": "c" * 64,
    "hash": "d" * 64,
    "purged_at": datetime.now(UTC),
}


def test_every_column_is_refused_by_the_database_but_the_one_purge(
    trail: AuditTrail, engine: sa.Engine
) -> None:
    for column, value in CHANGES.items():
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            _update(engine, 3, **{column: value})

    _update(engine, 3, before=sa.null(), after=sa.null(), purged_at=datetime.now(UTC))

    for column, value in {**CHANGES, "purged_at": None, "before": {"salary": "80000"}}.items():
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            _update(engine, 3, **{column: value})
    with pytest.raises(sa.exc.DBAPIError, match="only moves forward"), engine.begin() as c:
        c.execute(sa.update(audit_head).values(seq=3, hash=trail.records()[2].hash))
    with pytest.raises(sa.exc.DBAPIError, match="only moves forward"), engine.begin() as c:
        c.execute(sa.delete(audit_head))
    assert trail.verify().ok


def test_a_changed_column_breaks_the_chain_at_its_row(trail: AuditTrail, engine: sa.Engine) -> None:
    _as_attacker(engine)
    with engine.connect() as connection:
        original = connection.execute(sa.select(audit_log).where(audit_log.c.seq == 3)).one()
    for column, value in CHANGES.items():
        _update(engine, 3, **{column: value})

        result = trail.verify()

        assert not result.ok and result.broken_at == 3, (column, result)
        _update(engine, CHANGES["seq"] if column == "seq" else 3, **original._asdict())
        assert trail.verify().ok, column


def test_a_purged_rows_document_cannot_be_put_back(
    trail: AuditTrail, engine: sa.Engine, tmp_path: Path
) -> None:
    later = _governance(engine, tmp_path / "anchors.jsonl", clock=FakeWallClock(LATER))
    assert later.retention.purge("cli:operator", "c-purge").audit_rows_purged == ROWS
    assert trail.verify().ok
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        _update(engine, 2, after={"salary": "1"})

    _as_attacker(engine)
    _update(engine, 2, after={"salary": "1"})

    result = trail.verify()
    assert not result.ok and result.broken_at == 2
    assert "purged" in str(result.reason)


def _cut_tail(engine: sa.Engine, keep: int, trail: AuditTrail) -> None:
    kept = trail.records()[keep - 1]
    _as_attacker(engine)
    with engine.begin() as connection:
        connection.execute(sa.delete(audit_log).where(audit_log.c.seq > keep))
        connection.execute(sa.update(audit_head).values(seq=keep, hash=kept.hash))


def test_a_cut_off_tail_is_caught_by_the_anchor(trail: AuditTrail, engine: sa.Engine) -> None:
    anchor = trail.anchor()
    assert anchor is not None and anchor.seq == ROWS
    _cut_tail(engine, 3, trail)

    result = trail.verify()

    assert not result.ok and result.broken_at == 4
    assert f"rows 4..{ROWS} are missing" in str(result.reason) and "cut off" in str(result.reason)
    with pytest.raises(AuditTampered):
        trail.anchor()


def _recompute_from(engine: sa.Engine, trail: AuditTrail, seq: int) -> None:
    """Rewrite row `seq` and recompute every hash after it, as the public algorithm says."""
    _as_attacker(engine)
    rows = trail.records()
    previous = rows[seq - 2].hash if seq > 1 else "0" * 64
    for row in rows[seq - 1 :]:
        actor = "oidc:mallory" if row.seq == seq else row.actor
        entry = AuditEntry(actor, row.action, row.subject, None, None, row.correlation_id)
        hashed = row_hash(previous, row.seq, row.at, entry, row.before_digest, row.after_digest)
        _update(engine, row.seq, actor=actor, previous_hash=previous, hash=hashed)
        previous = hashed
    with engine.begin() as connection:
        connection.execute(sa.update(audit_head).values(hash=previous))


def test_a_recomputed_chain_is_caught_by_the_anchor(
    trail: AuditTrail, engine: sa.Engine, tmp_path: Path
) -> None:
    trail.anchor()
    _recompute_from(engine, trail, 2)
    unanchored = _governance(engine, tmp_path / "other.jsonl", key=None).audit.verify()
    assert unanchored.ok, "the chain alone cannot see a recomputation"

    result = trail.verify()

    assert not result.ok and result.broken_at == ROWS
    assert "rewritten" in str(result.reason)


def test_an_anchor_forged_without_the_key_is_refused(
    trail: AuditTrail, engine: sa.Engine, tmp_path: Path
) -> None:
    trail.anchor()
    _recompute_from(engine, trail, 2)
    guessed = AnchorKey(b"a key of the forger's own, not the audit key")
    forged = guessed.sign(ROWS, trail.records()[-1].hash, datetime.now(UTC))
    JsonLinesAnchorFile(tmp_path / "anchors.jsonl").append(forged)

    result = trail.verify()

    assert not result.ok and "not signed with the configured audit key" in str(result.reason)
    with pytest.raises(AuditTampered):
        trail.anchor()


def test_rows_after_the_newest_anchor_are_anchored_at_the_next_one(
    trail: AuditTrail, engine: sa.Engine
) -> None:
    first = trail.anchor()
    assert trail.anchor() is None  # nothing new
    trail.record("cli:operator", "api_key.created", "api_key:x", correlation_id="c")

    before = trail.verify()
    second = trail.anchor()

    assert before.ok and before.anchored_through == ROWS and before.unanchored is None
    assert first is not None and second is not None and second.seq == ROWS + 1
    assert trail.verify().anchored_through == ROWS + 1


def test_without_a_key_verify_says_the_head_is_not_anchored(
    engine: sa.Engine, tmp_path: Path
) -> None:
    audit = _governance(engine, tmp_path / "anchors.jsonl", key=None).audit
    audit.record("cli:operator", "api_key.created", "api_key:x", correlation_id="c")

    result = audit.verify()

    assert result.ok and result.anchored_through is None
    assert "not anchored" in str(result.unanchored)
    assert "ACCORD_AUDIT_KEY_FILE" in str(result.unanchored)
    with pytest.raises(NotAnchored, match="ACCORD_AUDIT_KEY_FILE"):
        audit.anchor()


def test_the_api_says_the_head_is_not_anchored_without_a_key(world: ApiWorld) -> None:
    verified = world.client.get("/api/v1/audit/verification", headers=world.as_role(Role.AUDITOR))

    assert verified.status_code == 200
    body = verified.json()
    assert body["ok"] and body["anchored_through"] is None
    assert "ACCORD_AUDIT_KEY_FILE" in body["unanchored"]


def test_an_altered_anchor_file_is_reported_not_trusted(trail: AuditTrail, tmp_path: Path) -> None:
    trail.anchor()
    anchors = tmp_path / "anchors.jsonl"
    anchors.write_text(anchors.read_text().replace('"seq":', '"row":') + "\n")

    result = trail.verify()

    assert not result.ok and "the anchor file was altered" in str(result.reason)
    with pytest.raises(AuditTampered, match="altered"):
        trail.anchor()
