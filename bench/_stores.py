"""A fresh store per measurement, so no figure inherits another's rows."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.bench_ingest import _scratch_postgres


@contextmanager
def scratch_store(backend: str) -> Iterator[tuple[str, Path] | None]:
    """A SQLite file, or a scratch PostgreSQL database (None when it is unreachable),
    with a scratch directory beside it."""
    with tempfile.TemporaryDirectory() as scratch:
        if backend == "SQLite":
            yield f"sqlite:///{Path(scratch) / 'accord.sqlite'}", Path(scratch)
            return
        with _scratch_postgres() as url:
            yield (url, Path(scratch)) if url is not None else None
