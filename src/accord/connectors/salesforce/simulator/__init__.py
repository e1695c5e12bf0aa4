"""A simulated Salesforce org over HTTP (ASGI), for tests and demos of the connectors:
`create_app(Simulator(...))`; `Simulator` holds the org's records, credentials, API usage
and fault knobs."""

from accord.connectors.salesforce.simulator.app import Simulator, create_app
from accord.connectors.salesforce.simulator.org import Org, OrgError
from accord.connectors.sdk.simulation import Faults

__all__ = ["Faults", "Org", "OrgError", "Simulator", "create_app"]
