"""Workday as the HR system over its REST API (`workday`): workers with employment
history and cost rates and a worker mapping as data (`MAPPINGS`); its simulator is
`accord.simulators.workday`."""

from accord.connectors.workday.connector import NAME, WorkdayHrConnector, connector_factory
from accord.connectors.workday.mapping import MAPPINGS, record_mappers

__all__ = ["MAPPINGS", "NAME", "WorkdayHrConnector", "connector_factory", "record_mappers"]
