"""The file-drop connector: a legacy system that talks in files, over SFTP or a folder.

Configuration (a dict, as the landscape file gives it; see docs/connectors-hybrid.md):

    name: legacy-psa            # optional, default filedrop
    system: psa                 # the role the legacy system plays
    location: {type: sftp, host: ..., port: 22, username: ..., password: ...,
               host_key: "ssh-ed25519 AAAA...", root: /exchange}   # or {type: local, root}
    feeds:                      # inbound streams, one per kind of file
      - {name: approved_time, directory: inbound, pattern: "time-*.csv",
         mapping: mappings/time.yaml, ready: marker}
    exports:                    # outbound files, one per kind of record
      - {mapping: mappings/journal.yaml, directory: outbound}

Streams: one `FileDropStream` per feed. Writers: `FileExport` (a `FileExporter`) when
exports are configured, and `JournalPosting` (a `FileDropJournals`) when an export maps
`ledger_posting` records.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from accord.connectors.filedrop.folders import Folder, open_folder
from accord.connectors.filedrop.inbound import FeedSettings, FileDropStream
from accord.connectors.filedrop.journals import KIND as JOURNAL_KIND
from accord.connectors.filedrop.journals import FileDropJournals
from accord.connectors.filedrop.outbound import ExportSettings, FileExporter
from accord.connectors.sdk import SYSTEMS, CheckResult, ConnectorError, Stream, System
from accord.connectors.sdk.tabular import MappingFileError


@dataclass(frozen=True)
class FileDropSettings:
    """A validated file-drop configuration."""

    name: str
    system: System
    location: Mapping[str, Any]
    feeds: tuple[FeedSettings, ...]
    exports: tuple[ExportSettings, ...]

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> FileDropSettings:
        """Settings from a connector config; a bad one raises ValueError naming the key."""
        system = config.get("system")
        if system not in SYSTEMS:
            raise ValueError(f"system must be one of {', '.join(SYSTEMS)}, not {system!r}")
        location = config.get("location")
        if not isinstance(location, Mapping):
            raise ValueError("location is required: {type: sftp, ...} or {type: local, root}")
        feeds = tuple(FeedSettings.from_config(feed) for feed in config.get("feeds", ()))
        exports = tuple(ExportSettings.from_config(e) for e in config.get("exports", ()))
        if not feeds and not exports:
            raise ValueError("configure at least one feed or one export")
        names = [feed.name for feed in feeds]
        if len(set(names)) != len(names):
            raise ValueError(f"feed names must be unique: {names}")
        return cls(str(config.get("name", "filedrop")), system, location, feeds, exports)

    def __repr__(self) -> str:
        where = {key: self.location.get(key) for key in ("type", "host", "port", "root")}
        return f"FileDropSettings(name={self.name!r}, system={self.system!r}, location={where})"


class FileDropConnector:
    """A legacy system that exchanges files (see the module docs)."""

    def __init__(self, settings: FileDropSettings, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.folder: Folder = open_folder(settings.location)
        self._streams = [FileDropStream(feed, self.folder, clock) for feed in settings.feeds]
        self.exporter = FileExporter(list(settings.exports), self.folder)

    @property
    def name(self) -> str:
        return self.settings.name

    @property
    def system(self) -> System:
        return self.settings.system

    def check(self, config: Mapping[str, Any]) -> CheckResult:
        """Validate `config` (its mappings too), reach the folder, list every inbox, and
        write and remove a probe file in every export directory."""
        try:
            settings = FileDropSettings.from_config(config)
            folder = open_folder(settings.location)
        except (ValueError, MappingFileError) as error:
            return CheckResult(ok=False, message=f"configuration: {error}")
        try:
            return _probe(settings, folder)
        except (ConnectorError, OSError) as error:
            return CheckResult(ok=False, message=f"the folder cannot be used: {error}")
        finally:
            folder.close()

    def streams(self) -> list[Stream]:
        return list(self._streams)

    def ports(self) -> dict[str, object]:
        """`FileExport` when exports are configured, and `JournalPosting` when one of
        them takes ledger postings (the journal file a legacy ERP imports)."""
        writers: dict[str, object] = {}
        if self.settings.exports:
            writers["FileExport"] = self.exporter
        if JOURNAL_KIND in self.exporter.kinds:
            writers["JournalPosting"] = FileDropJournals(self.exporter)
        return writers

    def close(self) -> None:
        self.folder.close()


def _probe(settings: FileDropSettings, folder: Folder) -> CheckResult:
    waiting = {}
    for feed in settings.feeds:
        waiting[feed.name] = len(folder.list(feed.directory))
    for export in settings.exports:
        folder.makedirs(export.directory)
        probe = f"{export.directory}/.accord-probe-{uuid.uuid4().hex[:8]}"
        folder.write(probe, b"")
        folder.remove(probe)
    return CheckResult(
        ok=True,
        message=f"{len(settings.feeds)} feed(s) readable, {len(settings.exports)} export(s) "
        "writable",
        details={
            "reachable": True,
            "authenticated": True,
            "read": bool(settings.feeds) or None,
            "write": bool(settings.exports) or None,
            "files_waiting": waiting,
        },
    )
