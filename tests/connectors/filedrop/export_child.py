"""A hub process that exports one journal over SFTP and hangs at a chosen point, so a
test can SIGKILL it there: `mid-write` (half the temporary file written) or
`before-rename` (content and sent marker written, the final rename not done).

Reads the connector config as JSON on stdin; prints `HANGING` once at the point.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import paramiko

from accord.connectors.filedrop import SftpFolder, connector_factory
from tests.connectors.filedrop.drops import posting


def _hang() -> None:
    print("HANGING", flush=True)
    time.sleep(600)


def _half_then_hang(self: SftpFolder, path: str, data: bytes) -> None:
    def run(sftp: paramiko.SFTPClient) -> None:
        with sftp.open(self._path(path), "wb") as file:
            file.write(data[: len(data) // 2])
            file.flush()
            _hang()

    self._call(run)


def main(point: str) -> None:
    config: dict[str, Any] = json.load(sys.stdin)
    if point == "mid-write":
        SftpFolder.write = _half_then_hang  # type: ignore[method-assign]
    else:
        SftpFolder.rename = lambda self, source, target: _hang()  # type: ignore[method-assign,assignment,misc]
    connector_factory(config).exporter.export(posting(sys.argv[2]))


if __name__ == "__main__":
    main(sys.argv[1])
