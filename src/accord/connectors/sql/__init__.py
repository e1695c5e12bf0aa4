"""Legacy SQL databases as sources (incremental by a watermark) and targets (upserts).

`connector_factory` is registered as ``sql`` in the ``accord.connectors`` entry-point
group, `record_mappers` as ``sql`` in ``accord.mappings``. See docs/connectors-hybrid.md
for configuration, mappings and guarantees.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from accord.connectors.sdk.preview import RecordMapper
from accord.connectors.sdk.tabular import inbound_mappers
from accord.connectors.sql.connector import SqlConnector, SqlSettings
from accord.connectors.sql.source import SqlTableStream
from accord.connectors.sql.target import SqlTableWriter

MAPPINGS = Path(__file__).parent / "mappings"
"""The mapping files shipped as examples and defaults (YAML, see docs/connectors-hybrid.md)."""


def connector_factory(config: Mapping[str, Any]) -> SqlConnector:
    """Build the connector from its config (see `connector`)."""
    return SqlConnector(SqlSettings.from_config(config))


def record_mappers(config: Mapping[str, Any]) -> dict[str, RecordMapper]:
    """The mapper of each source, for `accord mapping test` (a `RecordMappers`)."""
    return inbound_mappers(config, "sources")


__all__ = [
    "MAPPINGS",
    "SqlConnector",
    "SqlSettings",
    "SqlTableStream",
    "SqlTableWriter",
    "connector_factory",
    "record_mappers",
]
