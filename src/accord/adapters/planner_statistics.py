"""PostgreSQL's planner statistics of a table that grows by bulk writes, kept current.

The billing store finds rows through composite indexes with a list of values on the
second column (`part = 'time_entry' AND ref IN (...)`). PostgreSQL chooses how much of
such an index to use from the table's statistics; on a table it has never analyzed, or
analyzed when it held a tenth of its rows, it expects a handful of rows per part, looks
the part up alone and filters the list row by row: a lookup of 100 new time entries
reads every time entry ever stored. Autovacuum gathers statistics once a tenth of a
table changed, but it may be off, or behind a bulk import or a migration that writes a
million rows in minutes. So a write that grew the table by more than a tenth since the
last analysis analyzes it itself, in its own transaction (which sees its own rows),
skipping it when another analysis or vacuum holds the table.

Growth is measured in pages (the table's size now against the size the last analysis
recorded), which counts the transaction's own rows, unlike the statistics collector's
row counts, which only show committed work and would count an analyzing transaction's
rows again after its commit.
"""

from __future__ import annotations

import sqlalchemy as sa

GROWTH = 0.1
"""The share by which the table may grow past its last analysis (autovacuum's default
analyze scale factor)."""
SLACK_PAGES = 8
"""Growth allowed whatever the table's size (64 KiB), so a small table is not analyzed
at every save."""

_SIZES = sa.text(
    "SELECT c.relpages AS analyzed, c.reltuples AS tuples, "
    "pg_relation_size(c.oid) / current_setting('block_size')::int AS pages "
    "FROM pg_class c WHERE c.oid = CAST(:table AS regclass)"
)


def is_due(pages: int, analyzed_pages: int, analyzed_tuples: float) -> bool:
    """Whether a table of `pages` pages, last analyzed at `analyzed_pages` (never, when
    `analyzed_tuples` is -1), calls for a new analysis."""
    if analyzed_tuples < 0:
        return pages > 0
    return pages > analyzed_pages * (1 + GROWTH) + SLACK_PAGES


def refresh_if_due(conn: sa.Connection, table: str, written: int) -> bool:
    """Analyze `table` on `conn` (PostgreSQL only) after a write of `written` rows that
    grew it past the threshold; returns whether it did."""
    if conn.dialect.name != "postgresql" or written == 0:
        return False
    found = conn.execute(_SIZES, {"table": table}).first()
    if found is None or not is_due(int(found.pages), int(found.analyzed), float(found.tuples)):
        return False
    conn.exec_driver_sql(f"ANALYZE (SKIP_LOCKED) {table}")
    return True
