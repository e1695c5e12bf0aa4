"""Salesforce over its REST API: the CRM (`salesforce`) and contracts as the CLM
(`salesforce-clm`), with object mappings as data (`MAPPINGS`); its simulator is
`accord.simulators.salesforce`."""

from accord.connectors.salesforce.connector import (
    CLM_NAME,
    CRM_NAME,
    SalesforceClmConnector,
    SalesforceCrmConnector,
    clm_connector_factory,
    connector_factory,
)
from accord.connectors.salesforce.mapping import (
    MAPPINGS,
    clm_record_mappers,
    crm_record_mappers,
)

__all__ = [
    "CLM_NAME",
    "CRM_NAME",
    "MAPPINGS",
    "SalesforceClmConnector",
    "SalesforceCrmConnector",
    "clm_connector_factory",
    "clm_record_mappers",
    "connector_factory",
    "crm_record_mappers",
]
