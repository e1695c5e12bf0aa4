"""Journal entries as journal files: posted is read back from what was exported, and an
export cut short before its rename is not posted until the next attempt finishes it."""

from __future__ import annotations

from pathlib import Path

from accord.connectors.filedrop import connector_factory
from accord.connectors.filedrop.journals import FileDropJournals
from tests.connectors.filedrop.conftest import JOURNAL_MAPPING
from tests.connectors.filedrop.drops import posting

ENTRY = "DE01/2026-03/revenue/K1/EUR"


def _journals(root: Path) -> FileDropJournals:
    exports = [{"mapping": JOURNAL_MAPPING, "directory": "outbound"}]
    config = {"system": "erp", "location": {"type": "local", "root": str(root)}}
    journals = connector_factory(config | {"exports": exports}).ports()["JournalPosting"]
    assert isinstance(journals, FileDropJournals)
    return journals


def test_an_export_cut_short_before_its_rename_is_posted_by_the_next_attempt(
    tmp_path: Path,
) -> None:
    first = _journals(tmp_path).post_journal(posting(ENTRY))
    (exported,) = (tmp_path / "outbound").glob("journal-*.csv")
    exported.rename(exported.with_name(f".{exported.name}.part"))  # killed before step 3

    again = _journals(tmp_path)
    assert again.posted_journals([ENTRY, "DE01/2026-03/revenue/K2/EUR"]) == {}
    assert again.post_journal(posting(ENTRY)) == first
    outbound = (tmp_path / "outbound").iterdir()
    assert [p.name for p in outbound if p.is_file()] == [exported.name]
    assert again.posted_journals([ENTRY]) == {ENTRY: first}
    exported.unlink()  # the importer consumed it
    assert _journals(tmp_path).posted_journals([ENTRY]) == {ENTRY: first}
