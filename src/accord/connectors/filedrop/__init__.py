"""Legacy systems that exchange files: CSV or fixed-width, over SFTP or a local folder.

`connector_factory` is registered as ``filedrop`` in the ``accord.connectors`` entry-point
group, `record_mappers` as ``filedrop`` in ``accord.mappings``. See docs/connectors-hybrid.md
for configuration, mappings and guarantees.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from accord.connectors.filedrop.connector import FileDropConnector, FileDropSettings
from accord.connectors.filedrop.folders import Folder, LocalFolder, SftpFolder
from accord.connectors.filedrop.outbound import ExportedFile, FileExporter
from accord.connectors.sdk.preview import RecordMapper
from accord.connectors.sdk.tabular import inbound_mappers

MAPPINGS = Path(__file__).parent / "mappings"
"""The mapping files shipped as examples and defaults (YAML, see docs/connectors-hybrid.md)."""


def connector_factory(config: Mapping[str, Any]) -> FileDropConnector:
    """Build the connector from its config (see `connector`); an optional ``clock``
    (seconds since the epoch) times the size-stable rule."""
    return FileDropConnector(FileDropSettings.from_config(config), config.get("clock", time.time))


def record_mappers(config: Mapping[str, Any]) -> dict[str, RecordMapper]:
    """The mapper of each feed, for `accord mapping test` (a `RecordMappers`)."""
    return inbound_mappers(config, "feeds")


__all__ = [
    "MAPPINGS",
    "ExportedFile",
    "FileDropConnector",
    "FileDropSettings",
    "FileExporter",
    "Folder",
    "LocalFolder",
    "SftpFolder",
    "connector_factory",
    "record_mappers",
]
