"""A journal-table target must say where the entry id goes: without it, which entries
the table holds could not be read back, and the configuration is refused up front."""

from __future__ import annotations

import pytest

from accord.connectors.sql import MAPPINGS, SqlSettings, connector_factory

MAPPING = {
    "version": 1,
    "record": "ledger_posting",
    "each": "lines",
    "table": {"name": "gl_journal", "key": ["entity", "line_no"]},
    "columns": [
        {"name": "entity", "value": "record.entity"},
        {"name": "line_no", "value": "index"},
        {"name": "debit", "value": "item.debit"},
    ],
}


def test_a_journal_target_without_the_entry_id_column_is_refused_naming_it() -> None:
    config = {"system": "erp", "url": "sqlite://", "targets": [{"mapping": MAPPING}]}
    with pytest.raises(ValueError, match=r"record\.document_number"):
        SqlSettings.from_config(config)
    shipped = [{"mapping": str(MAPPINGS / "gl-journal.yaml")}]
    connector = connector_factory(config | {"targets": shipped})
    assert "JournalPosting" in connector.ports()
    check = connector.check(config)
    assert not check.ok and "record.document_number" in check.message
