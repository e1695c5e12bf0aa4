"""Kantata OX over its `/api/v1/` REST API as the PSA (`kantata`), with mappings as data
(`MAPPINGS`); its simulator is `accord.simulators.kantata`."""

from accord.connectors.kantata.connector import NAME, KantataConnector, connector_factory
from accord.connectors.kantata.mapping import MAPPINGS
from accord.connectors.kantata.streams import record_mappers

__all__ = ["MAPPINGS", "NAME", "KantataConnector", "connector_factory", "record_mappers"]
