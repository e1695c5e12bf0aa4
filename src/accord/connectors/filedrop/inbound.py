"""Inbound file drops: pick up complete files, map their rows, archive them, once each.

A feed watches one inbox directory for files matching its pattern. The life of a file:

1. **Ready.** A file is read only once it is complete: with the `marker` rule when its
   completion marker (`NAME.done`) exists, with the `stable` rule once its size and
   modification time have not changed for `stable_seconds` across two looks. A file still
   being written is never read.
2. **Claimed.** It is moved (an atomic rename) into the feed's `processing` directory.
3. **Read** page by page. The cursor names the file, its SHA-256 and the last line
   delivered, so after a crash the hub resumes at the next line of the same content. Each
   row becomes a canonical record or, whole, a `RejectedRecord` naming file, line, column
   or field, and expression; the good rows proceed.
4. **Archived** as `archive/<sha256 prefix>-NAME` once the hub hands back the cursor past
   its last row (so it has logged every row). A file dropped
   again with the same name and content finds its archived twin and is removed unread, so
   it changes nothing; and because record and reject ids derive from the content, even a
   file whose twin was purged from the archive only yields duplicates the hub ignores.
"""

from __future__ import annotations

import fnmatch
import hashlib
import logging
import posixpath
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from accord.canonical.base import CanonicalModel
from accord.connectors.filedrop.folders import Entry, Folder
from accord.connectors.filedrop.formats import FileProblem, Row, read_rows
from accord.connectors.sdk import Cursor, Page, RejectedRecord, decode_cursor, encode_cursor
from accord.connectors.sdk.tabular import InboundMapping, RowRejected, inbound_mapping

log = logging.getLogger("accord.connector.filedrop")
MAX_CLAIMS_PER_READ = 20


@dataclass(frozen=True)
class FeedSettings:
    """One inbound feed: where its files arrive, when they are complete, how they map."""

    name: str
    mapping: InboundMapping
    directory: str = "inbound"
    pattern: str = "*.csv"
    ready: Literal["marker", "stable"] = "marker"
    marker_suffix: str = ".done"
    stable_seconds: float = 30.0
    processing: str = ""
    archive: str = ""

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> FeedSettings:
        if not config.get("name") or not config.get("mapping"):
            raise ValueError("each feed needs a name and a mapping (a file path or a dict)")
        directory = str(config.get("directory", "inbound")).strip("/")
        ready = config.get("ready", "marker")
        if ready not in ("marker", "stable"):
            raise ValueError(f"feed {config['name']}: ready must be marker or stable")
        return cls(
            name=str(config["name"]),
            mapping=inbound_mapping(config["mapping"]),
            directory=directory,
            pattern=str(config.get("pattern", "*.csv")),
            ready=ready,
            marker_suffix=str(config.get("marker_suffix", ".done")),
            stable_seconds=float(config.get("stable_seconds", 30.0)),
            processing=str(config.get("processing", f"{directory}/processing")),
            archive=str(config.get("archive", f"{directory}/archive")),
        )


class FileDropStream:
    """The stream of one feed (see the module docs). One reader per inbox."""

    def __init__(
        self, feed: FeedSettings, folder: Folder, clock: Callable[[], float] = time.time
    ) -> None:
        self.feed = feed
        self._folder = folder
        self._clock = clock
        self._seen: dict[str, tuple[int, float, float]] = {}
        self._prepared = False

    @property
    def name(self) -> str:
        return self.feed.name

    def read(self, cursor: Cursor | None, limit: int) -> Page[CanonicalModel]:
        """Rows after `cursor`: the rest of the file in hand, else of the next file."""
        self._prepare()
        position = decode_cursor(cursor)
        if position.get("file") and position.get("done"):
            self._archive(position["file"], position["sha"])
        elif position.get("file"):
            content = self._content(position["file"], position["sha"])
            if content is not None:
                return self._page(position["file"], content, int(position["line"]), limit)
            log.warning("%s: %s vanished mid-read; moving on", self.name, position["file"])
        for _ in range(MAX_CLAIMS_PER_READ):
            name = self._in_processing() or self._claim()
            if name is None:
                return Page([], cursor, has_more=False)
            content = self._folder.read(self._processing(name))
            if content is None:
                continue
            if self._folder.read(self._archived(name, _sha(content))) is not None:
                log.warning("%s: %s was processed before; removed unread", self.name, name)
                self._folder.remove(self._processing(name))
                continue
            return self._page(name, content, 0, limit)
        return Page([], cursor, has_more=True)

    def _prepare(self) -> None:
        if not self._prepared:
            self._folder.makedirs(self.feed.processing)
            self._folder.makedirs(self.feed.archive)
            self._prepared = True

    def _processing(self, name: str) -> str:
        return posixpath.join(self.feed.processing, name)

    def _archived(self, name: str, sha: str) -> str:
        return posixpath.join(self.feed.archive, f"{sha[:16]}-{name}")

    def _content(self, name: str, sha: str) -> bytes | None:
        """The file named by a cursor: still in processing, or already archived."""
        for path in (self._processing(name), self._archived(name, sha)):
            content = self._folder.read(path)
            if content is not None and _sha(content) == sha:
                return content
        return None

    def _in_processing(self) -> str | None:
        """A file claimed before a crash, whose reading has not started or finished."""
        claimed = self._folder.list(self.feed.processing)
        return claimed[0].name if claimed else None

    def _claim(self) -> str | None:
        entries = self._folder.list(self.feed.directory)
        names = {entry.name for entry in entries}
        for gone in set(self._seen) - names:
            del self._seen[gone]
        for entry in entries:
            if not self._wanted(entry.name) or not self._ready(entry, names):
                continue
            if self._folder.rename(
                posixpath.join(self.feed.directory, entry.name), self._processing(entry.name)
            ):
                self._seen.pop(entry.name, None)
                if self.feed.ready == "marker":
                    self._folder.remove(self._marker(entry.name))
                return entry.name
        return None

    def _wanted(self, name: str) -> bool:
        if self.feed.ready == "marker" and name.endswith(self.feed.marker_suffix):
            return False
        return not name.startswith(".") and fnmatch.fnmatch(name, self.feed.pattern)

    def _marker(self, name: str) -> str:
        return posixpath.join(self.feed.directory, name + self.feed.marker_suffix)

    def _ready(self, entry: Entry, names: set[str]) -> bool:
        if self.feed.ready == "marker":
            return entry.name + self.feed.marker_suffix in names
        now = self._clock()
        seen = self._seen.get(entry.name)
        if seen is None or seen[:2] != (entry.size, entry.mtime):
            self._seen[entry.name] = (entry.size, entry.mtime, now)
            return False
        return now - seen[2] >= self.feed.stable_seconds

    def _page(self, name: str, content: bytes, after: int, limit: int) -> Page[CanonicalModel]:
        sha = _sha(content)
        try:
            rows = read_rows(content, self.feed.mapping.document)
        except FileProblem as problem:
            reject = RejectedRecord(
                f"{name}:{sha[:16]}:file",
                self.feed.mapping.kind,
                {"file": name},
                f"{name} {problem}",
            )
            done = encode_cursor({"file": name, "sha": sha, "line": 0, "done": True})
            return Page([], done, has_more=True, rejected=[reject])
        pending = [row for row in rows if row.line > after]
        chunk = pending[:limit]
        records: list[CanonicalModel] = []
        rejected: list[RejectedRecord] = []
        for row in chunk:
            outcome = self._map(name, sha, row)
            if isinstance(outcome, RejectedRecord):
                rejected.append(outcome)
            else:
                records.append(outcome)
        finished = len(pending) <= limit
        line = chunk[-1].line if chunk else after
        next_cursor = encode_cursor({"file": name, "sha": sha, "line": line, "done": finished})
        return Page(records, next_cursor, has_more=True, rejected=rejected)

    def _map(self, name: str, sha: str, row: Row) -> CanonicalModel | RejectedRecord:
        where = f"{name} line {row.line}"
        payload = {"file": name, "line": row.line, "values": dict(row.values)}
        reject_id = f"{name}:{sha[:16]}:{row.line}"
        if row.problem is not None:
            return RejectedRecord(
                reject_id, self.feed.mapping.kind, payload, f"{where}: {row.problem}"
            )
        try:
            return self.feed.mapping.map_row(row.values, where)
        except RowRejected as rejected:
            return RejectedRecord(reject_id, self.feed.mapping.kind, payload, str(rejected))

    def _archive(self, name: str, sha: str) -> None:
        """Archive a file once the hub stored the cursor past its last row: archiving it
        any earlier would lose its last page if the hub crashed before logging it."""
        content = self._folder.read(self._processing(name))
        if content is None or _sha(content) != sha:
            return
        if not self._folder.rename(self._processing(name), self._archived(name, sha)):
            self._folder.remove(self._processing(name))


def _sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
