"""A hub process that exports one journal over SFTP and hangs at a chosen point, so a
test can SIGKILL it there: `mid-write` (half the temporary file written) or
`before-rename` (content and sent marker written, the final rename not done).

Reads the connector config as JSON on stdin; prints `HANGING` once at the point.
"""

from __future__ import annotations

import json
import sys
import time

from accord.connectors.filedrop.connector import FileDropSettings
from accord.connectors.filedrop.folders import Entry, Folder, open_folder
from accord.connectors.filedrop.outbound import FileExporter
from tests.connectors.filedrop.drops import posting


def _hang() -> None:
    print("HANGING", flush=True)
    time.sleep(600)


class HangingFolder:
    """The connector's folder, hanging at `point`: after writing half of the first
    temporary file (`mid-write`), or instead of the final rename (`before-rename`)."""

    def __init__(self, folder: Folder, point: str) -> None:
        self._folder = folder
        self._point = point

    def list(self, directory: str) -> list[Entry]:
        return self._folder.list(directory)

    def read(self, path: str) -> bytes | None:
        return self._folder.read(path)

    def write(self, path: str, data: bytes) -> None:
        if self._point == "mid-write":
            self._folder.write(path, data[: len(data) // 2])
            _hang()
        self._folder.write(path, data)

    def rename(self, source: str, target: str) -> bool:
        _hang()
        return self._folder.rename(source, target)

    def remove(self, path: str) -> None:
        self._folder.remove(path)

    def makedirs(self, directory: str) -> None:
        self._folder.makedirs(directory)

    def close(self) -> None:
        self._folder.close()


def main(point: str) -> None:
    settings = FileDropSettings.from_config(json.load(sys.stdin))
    folder = HangingFolder(open_folder(settings.location), point)
    FileExporter(list(settings.exports), folder).export(posting(sys.argv[2]))


if __name__ == "__main__":
    main(sys.argv[1])
