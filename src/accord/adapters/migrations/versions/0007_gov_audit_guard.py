"""The audit log guards every column: a row may be purged once (documents erased, the
time of the purge set) and is never changed again; the head only moves forward.

Before, `before`, `after` and `purged_at` could be updated freely, so a purged row's
document could be replaced and a purge undone or redated; the head could be moved back
over a deleted tail.

Revision ID: 0007_gov
Revises: 0006_recon
"""

from __future__ import annotations

from alembic import op

from accord.adapters.tables import MARIADB

revision = "0007_gov"
down_revision = "0006_recon"
branch_labels = None
depends_on = None

_CHAINED = (
    "seq",
    "at",
    "actor",
    "action",
    "subject",
    "correlation_id",
    "before_digest",
    "after_digest",
    "previous_hash",
    "hash",
)
_REFUSE = "audit_log is append-only: only retention may erase documents, keeping digests"
_HEAD = "audit_head only moves forward, one appended row at a time"
_PURGE_ONLY = (
    "OLD.purged_at IS NULL AND NEW.purged_at IS NOT NULL "
    "AND NEW.before IS NULL AND NEW.after IS NULL AND "
    + " AND ".join(f"NEW.{name} {{same}} OLD.{name}" for name in _CHAINED)
)
_FORWARD = (
    "NEW.id = OLD.id AND NEW.seq = OLD.seq + 1 AND EXISTS "
    "(SELECT 1 FROM audit_log WHERE audit_log.seq = NEW.seq AND audit_log.hash = NEW.hash)"
)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        _guard_postgresql()
    elif dialect in MARIADB:
        _guard_mariadb()
    else:
        _guard_sqlite()


def _signal(message: str) -> str:
    return f"SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{message}'"


def _guard_mariadb() -> None:
    purge_only = _PURGE_ONLY.format(same="<=>")
    op.execute("DROP TRIGGER audit_log_no_update")
    op.execute(
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log FOR EACH ROW "
        f"IF NOT ({purge_only}) THEN {_signal(_REFUSE)}; END IF"
    )
    op.execute(
        "CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head FOR EACH ROW "
        f"IF NOT ({_FORWARD}) THEN {_signal(_HEAD)}; END IF"
    )
    op.execute(
        "CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head FOR EACH ROW "
        + _signal(_HEAD)
    )


def _guard_postgresql() -> None:
    purge_only = _PURGE_ONLY.format(same="IS NOT DISTINCT FROM")
    op.execute(
        "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger "
        "LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        f"  IF TG_OP = 'UPDATE' AND {purge_only} THEN\n"
        "    RETURN NEW;\n"
        "  END IF;\n"
        f"  RAISE EXCEPTION '{_REFUSE}';\n"
        "END $$"
    )
    op.execute(
        "CREATE FUNCTION audit_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        f"  IF TG_OP = 'UPDATE' AND {_FORWARD} THEN\n"
        "    RETURN NEW;\n"
        "  END IF;\n"
        f"  RAISE EXCEPTION '{_HEAD}';\n"
        "END $$"
    )
    op.execute(
        "CREATE TRIGGER audit_head_forward BEFORE UPDATE OR DELETE ON audit_head "
        "FOR EACH ROW EXECUTE FUNCTION audit_head_forward()"
    )


def _guard_sqlite() -> None:
    purge_only = _PURGE_ONLY.format(same="IS")
    op.execute("DROP TRIGGER audit_log_no_update")
    op.execute(
        f"CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log WHEN NOT ({purge_only}) "
        f"BEGIN SELECT RAISE(ABORT, '{_REFUSE}'); END"
    )
    op.execute(
        f"CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head WHEN NOT ({_FORWARD}) "
        f"BEGIN SELECT RAISE(ABORT, '{_HEAD}'); END"
    )
    op.execute(
        "CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head "
        f"BEGIN SELECT RAISE(ABORT, '{_HEAD}'); END"
    )


def downgrade() -> None:
    chained = ", ".join(_CHAINED)
    if op.get_bind().dialect.name in MARIADB:
        for trigger in ("audit_head_no_delete", "audit_head_forward", "audit_log_no_update"):
            op.execute(f"DROP TRIGGER {trigger}")
        same = " AND ".join(f"NEW.{name} <=> OLD.{name}" for name in _CHAINED)
        op.execute(
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log FOR EACH ROW "
            f"IF NOT ({same}) THEN {_signal(_REFUSE)}; END IF"
        )
        return
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_head_forward ON audit_head")
        op.execute("DROP FUNCTION audit_head_forward()")
        old = ", ".join(f"OLD.{name}" for name in _CHAINED)
        new = ", ".join(f"NEW.{name}" for name in _CHAINED)
        op.execute(
            "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger "
            "LANGUAGE plpgsql AS $$\n"
            "BEGIN\n"
            f"  IF TG_OP = 'DELETE' OR ({new}) IS DISTINCT FROM ({old}) THEN\n"
            f"    RAISE EXCEPTION '{_REFUSE}';\n"
            "  END IF;\n"
            "  RETURN NEW;\n"
            "END $$"
        )
        return
    op.execute("DROP TRIGGER audit_head_no_delete")
    op.execute("DROP TRIGGER audit_head_forward")
    op.execute("DROP TRIGGER audit_log_no_update")
    op.execute(
        f"CREATE TRIGGER audit_log_no_update BEFORE UPDATE OF {chained} ON audit_log "
        f"BEGIN SELECT RAISE(ABORT, '{_REFUSE}'); END"
    )
