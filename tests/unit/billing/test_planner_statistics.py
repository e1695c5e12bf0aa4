"""When the billing store asks PostgreSQL to analyze its rows again: never analyzed and
holding rows, or grown by more than a tenth (and a few pages) since the last analysis."""

from __future__ import annotations

from accord.adapters.planner_statistics import is_due


def test_a_table_never_analyzed_is_analyzed_once_it_holds_rows() -> None:
    assert not is_due(pages=0, analyzed_pages=0, analyzed_tuples=-1)
    assert is_due(pages=1, analyzed_pages=0, analyzed_tuples=-1)


def test_a_table_is_analyzed_again_after_growing_by_a_tenth() -> None:
    assert not is_due(pages=110_008, analyzed_pages=100_000, analyzed_tuples=2e6)
    assert is_due(pages=110_009, analyzed_pages=100_000, analyzed_tuples=2e6)


def test_a_small_table_is_not_analyzed_at_every_page() -> None:
    assert not is_due(pages=9, analyzed_pages=1, analyzed_tuples=20)
    assert is_due(pages=10, analyzed_pages=1, analyzed_tuples=20)
