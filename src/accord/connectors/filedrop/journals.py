"""Ledger journals as journal-file exports (the application's `JournalPosting` port).

Each entry is written as its own file by the export whose mapping takes `ledger_posting`
records (e.g. `mappings/journal-export.yaml`, one CSV line per journal line), through
the exporter's once-only steps: temporary name, sent marker, atomic rename. A repeat
(retry, crash, rerun) finds the marker and writes nothing new.

What is posted is read back from what was exported: an entry is posted once its sent
marker is there and its file was renamed into place, even after the importing ERP has
consumed the file. The exported file's path stands for the ERP's move number, its status
is `exported`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from accord.canonical.v1.finance import LedgerPosting
from accord.connectors.filedrop.outbound import FileExporter
from accord.connectors.sdk import PostedDocument

KIND = LedgerPosting.SCHEMA_NAME


class FileDropJournals:
    """`JournalPosting` through the journal export (see the module docs)."""

    def __init__(self, exporter: FileExporter) -> None:
        self.exporter = exporter

    def post_journal(self, posting: LedgerPosting) -> PostedDocument:
        """Export the entry's file once; a repeat returns the first export."""
        return _posted(self.exporter.export(posting).path)

    def posted_journals(self, document_numbers: Sequence[str]) -> Mapping[str, PostedDocument]:
        """The exported entries among these ids, by id."""
        keys = {_business_key(number): number for number in document_numbers}
        exported = self.exporter.exported(KIND, list(keys))
        return {keys[key]: _posted(path) for key, path in exported.items()}


def _business_key(document_number: str) -> str:
    """`LedgerPosting.business_key()` from the entry id alone: the id starts with the
    entity (`entity/month/kind/contract/currency`)."""
    entity = document_number.split("/", 1)[0]
    return f"{entity}/{document_number}"


def _posted(path: str) -> PostedDocument:
    return PostedDocument(external_id=path, number=path, status="exported")
