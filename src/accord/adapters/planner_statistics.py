"""PostgreSQL's planner statistics of a table that grows by bulk writes, kept current.

The billing store finds rows through composite indexes with a list of values on the
second column (`part = 'time_entry' AND ref IN (...)`). PostgreSQL chooses how much of
such an index to use from the table's statistics; on a table it has never analyzed, or
analyzed when it held a tenth of its rows, it expects a handful of rows per part, looks
the part up alone and filters the list row by row: a lookup of 100 new time entries
reads every time entry ever stored. Autovacuum gathers statistics once a tenth of a
table changed, but it may be off, or behind a bulk import or a migration that writes a
million rows in minutes. So a write that takes the table past the same threshold
analyzes the table itself, in its own transaction (which sees its own rows), skipping it
when another analysis or vacuum holds the table.
"""

from __future__ import annotations

import sqlalchemy as sa

ANALYZE_THRESHOLD = 50
ANALYZE_SCALE_FACTOR = 0.1
"""Rows changed since the last analysis, beyond which a table is analyzed again:
threshold + scale factor x rows (PostgreSQL's own autovacuum defaults)."""

_CHANGED = sa.text(
    "SELECT s.n_mod_since_analyze AS changed, c.reltuples AS tuples "
    "FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid "
    "WHERE s.relid = CAST(:table AS regclass)"
)


def is_due(changed: int, tuples: float) -> bool:
    """Whether `changed` rows since the last analysis of a table of `tuples` rows (-1:
    never analyzed) call for a new one."""
    return changed > ANALYZE_THRESHOLD + ANALYZE_SCALE_FACTOR * max(tuples, 0.0)


def refresh_if_due(conn: sa.Connection, table: str, written: int) -> bool:
    """Analyze `table` on `conn` (PostgreSQL only) when the `written` rows of this
    transaction and the changes already counted take it past the threshold; returns
    whether it did."""
    if conn.dialect.name != "postgresql" or written == 0:
        return False
    found = conn.execute(_CHANGED, {"table": table}).first()
    if found is None or not is_due(int(found.changed) + written, float(found.tuples)):
        return False
    conn.exec_driver_sql(f"ANALYZE (SKIP_LOCKED) {table}")
    return True
