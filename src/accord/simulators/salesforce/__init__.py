"""A simulated Salesforce org over HTTP (ASGI), for tests and demos of the connectors:
`create_app(Simulator(...))`; `Simulator` holds the org's records, credentials, API usage
and fault knobs."""

from accord.simulators.faults import Faults
from accord.simulators.salesforce.app import Simulator, create_app
from accord.simulators.salesforce.org import Org, OrgError

__all__ = ["Faults", "Org", "OrgError", "Simulator", "create_app"]
