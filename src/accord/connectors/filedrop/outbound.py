"""Outbound files: the invoice and journal exports a legacy system imports, each once.

An export is written in three steps, and a crash between any two is repaired by the next
attempt for the same record, so the importing system sees one complete file, once:

1. the whole content under a temporary dot-name (`.NAME.part`), which importers ignore;
2. a sent marker (`.accord-sent/NAME`, holding the content's SHA-256): from now on the
   export is decided, and no later attempt writes the content again;
3. an atomic rename of the temporary file to `NAME`.

A repeated export finds its marker: it finishes step 3 if the temporary file is still
there and otherwise does nothing, even if the importer has long consumed `NAME`. A
repeated export with different content (an issued document never changes) is refused.
"""

from __future__ import annotations

import hashlib
import logging
import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from accord.canonical.base import CanonicalModel
from accord.connectors.filedrop.folders import Folder
from accord.connectors.filedrop.formats import render_csv, render_fixed
from accord.connectors.sdk import RejectedError
from accord.connectors.sdk.tabular import OutboundMapping, RecordNotMapped, outbound_mapping
from accord.connectors.sdk.tabular.document import FileLayout

log = logging.getLogger("accord.connector.filedrop")
UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class ExportSettings:
    """One kind of export: which records, how they map, into which directory."""

    mapping: OutboundMapping
    directory: str = "outbound"
    sent: str = ""

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ExportSettings:
        if not config.get("mapping"):
            raise ValueError("each export needs a mapping (a file path or a dict)")
        directory = str(config.get("directory", "outbound")).strip("/")
        return cls(
            mapping=outbound_mapping(config["mapping"]),
            directory=directory,
            sent=str(config.get("sent", f"{directory}/.accord-sent")),
        )


@dataclass(frozen=True)
class ExportedFile:
    """Where an export landed and the SHA-256 of its content; the same on every repeat."""

    path: str
    sha256: str


class FileExporter:
    """Writes each record as one file in its kind's export directory (see module docs)."""

    def __init__(self, exports: list[ExportSettings], folder: Folder) -> None:
        self._exports = {export.mapping.kind: export for export in exports}
        self._folder = folder
        self._prepared: set[str] = set()

    @property
    def kinds(self) -> list[str]:
        """The canonical records this exporter writes, e.g. `invoice`, `ledger_posting`."""
        return sorted(self._exports)

    def export(self, record: CanonicalModel) -> ExportedFile:
        """Write `record`'s file once; a repeat returns the same `ExportedFile`.

        Raises `RejectedError` when no export is configured for the record's kind, when
        the mapping cannot turn it into rows (naming column and expression), or when it
        was exported before with other content."""
        export = self._exports.get(record.SCHEMA_NAME)
        if export is None:
            raise RejectedError(
                422, "", reason=f"no export is configured for {record.SCHEMA_NAME} records"
            )
        try:
            content = _render(export.mapping, record)
        except (RecordNotMapped, ValueError) as error:
            raise RejectedError(422, "", reason=f"{export.mapping.label}: {error}") from None
        self._prepare(export)
        name = file_name(export.mapping, record.business_key())
        return self._write_once(export, name, content)

    def exported(self, kind: str, business_keys: Sequence[str]) -> dict[str, str]:
        """The path each record of `kind` among these business keys was exported to, by
        key, read back from the sent markers (two directory listings, whatever the count).
        A record is absent when it was never exported, or its rename (step 3) is still to
        be finished by the next export."""
        export = self._exports.get(kind)
        if export is None or not business_keys:
            return {}
        sent = {entry.name for entry in self._folder.list(export.sent)}
        present = {entry.name for entry in self._folder.list(export.directory)}
        found = {}
        for key in business_keys:
            name = file_name(export.mapping, key)
            if name in sent and f".{name}.part" not in present:
                found[key] = posixpath.join(export.directory, name)
        return found

    def _prepare(self, export: ExportSettings) -> None:
        if export.directory not in self._prepared:
            self._folder.makedirs(export.directory)
            self._folder.makedirs(export.sent)
            self._prepared.add(export.directory)

    def _write_once(self, export: ExportSettings, name: str, content: bytes) -> ExportedFile:
        final = posixpath.join(export.directory, name)
        temporary = posixpath.join(export.directory, f".{name}.part")
        marker = posixpath.join(export.sent, name)
        sha = hashlib.sha256(content).hexdigest()
        decided = self._folder.read(marker)
        if decided is None:
            self._folder.write(temporary, content)
            self._folder.write(marker, sha.encode())
        elif decided.decode() != sha:
            raise RejectedError(
                409,
                "",
                reason=f"{final} was exported before with other content; an exported "
                "document is never rewritten, issue a correcting document instead",
            )
        if self._folder.rename(temporary, final):
            log.info("exported %s", final)
        return ExportedFile(final, sha)


def _render(mapping: OutboundMapping, record: CanonicalModel) -> bytes:
    layout = mapping.document.file or FileLayout()
    rows = mapping.rows(record)
    if layout.format == "fixed":
        return render_fixed(rows, mapping.document.columns, layout)
    return render_csv(rows, mapping.column_names, layout)


def file_name(mapping: OutboundMapping, business_key: str) -> str:
    """The file name from the layout's template, the business key made safe for a path."""
    layout = mapping.document.file or FileLayout()
    key = UNSAFE.sub("_", business_key).strip("._") or "record"
    return layout.name.format(key=key, kind=mapping.kind)
