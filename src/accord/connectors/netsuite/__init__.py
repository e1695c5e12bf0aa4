"""NetSuite as the ERP over its REST web services (records, SuiteQL, OAuth 2.0 M2M),
with the payment mapping as data (`MAPPINGS`); its simulator is
`accord.simulators.netsuite`."""

from accord.connectors.netsuite.connector import NAME, NetSuiteErpConnector, connector_factory
from accord.connectors.netsuite.payments import MAPPINGS, record_mappers

__all__ = ["MAPPINGS", "NAME", "NetSuiteErpConnector", "connector_factory", "record_mappers"]
