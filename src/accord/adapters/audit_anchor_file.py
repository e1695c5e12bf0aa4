"""Audit anchors as JSON lines in a file outside the database, appended and synced."""

from __future__ import annotations

import contextlib
import json
import os
from datetime import datetime
from pathlib import Path

from accord.application.audit_anchor import Anchor, AnchorFileDamaged


class JsonLinesAnchorFile:
    """One anchor a line: `{"seq", "hash", "at", "signature"}`, oldest first.

    Appends are single `write` calls on a file opened for appending, so the hub and an
    operator's `accord audit anchor` may append at once; each is synced to disk before
    it counts. A last line cut short by a crash (no newline) is not an anchor yet and is
    skipped; any other line that is not an anchor makes the file damaged."""

    def __init__(self, path: Path) -> None:
        self._path = path

    @property
    def location(self) -> str:
        return str(self._path)

    def append(self, anchor: Anchor) -> None:
        line = json.dumps(
            {
                "seq": anchor.seq,
                "hash": anchor.hash,
                "at": anchor.at.isoformat(),
                "signature": anchor.signature,
            },
            separators=(",", ":"),
        )
        self._path.parent.mkdir(parents=True, exist_ok=True)
        with self._path.open("a", encoding="utf-8") as file:
            file.write(line + "\n")
            file.flush()
            os.fsync(file.fileno())

    def all(self) -> list[Anchor]:
        if not self._path.exists():
            return []
        text = self._path.read_text(encoding="utf-8")
        lines = text.split("\n")
        complete, torn = lines[:-1], lines[-1]
        anchors = [self._anchor(number, line) for number, line in enumerate(complete, 1)]
        # A line cut short while it was written is never counted as an anchor.
        with contextlib.suppress(AnchorFileDamaged):
            if torn.strip():
                anchors.append(self._anchor(len(complete) + 1, torn))
        return anchors

    def _anchor(self, number: int, line: str) -> Anchor:
        try:
            fields = json.loads(line)
            return Anchor(
                seq=int(fields["seq"]),
                hash=str(fields["hash"]),
                at=_aware(datetime.fromisoformat(str(fields["at"]))),
                signature=str(fields["signature"]),
            )
        except (ValueError, KeyError, TypeError) as error:
            raise AnchorFileDamaged(
                f"line {number} of {self._path} is not an audit anchor ({error}): "
                "the anchor file was altered"
            ) from None


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("its time has no offset")
    return at
