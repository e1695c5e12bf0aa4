"""Tryton as Accord's ERP, over JSON-RPC (install with the `accord[tryton]` extra).

`connector_factory` is registered as ``tryton`` in the ``accord.connectors`` entry-point
group. See docs/tryton.md for configuration and the mapping.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from accord.connectors.tryton.connector import TrytonErpConnector, TrytonSettings
from accord.connectors.tryton.ids import ExternalIdMap, InMemoryExternalIdMap


def connector_factory(config: Mapping[str, Any]) -> TrytonErpConnector:
    """Build the connector from ``url``, ``database``, ``login``, ``password`` (required),
    ``product_code`` and ``timeout`` (optional) and an optional ``id_map``
    (an `ExternalIdMap` the hub persists; in memory when absent)."""
    id_map = config.get("id_map")
    return TrytonErpConnector(TrytonSettings.from_config(config), id_map)


__all__ = [
    "ExternalIdMap",
    "InMemoryExternalIdMap",
    "TrytonErpConnector",
    "TrytonSettings",
    "connector_factory",
]
