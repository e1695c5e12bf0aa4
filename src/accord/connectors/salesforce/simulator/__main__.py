"""`python -m accord.connectors.salesforce.simulator --port PORT`: the simulator as a server of
its own, with its default credentials (see `Simulator`), until interrupted."""

from accord.connectors.salesforce.simulator import Simulator, create_app
from accord.connectors.sdk.simulation import serve

serve(create_app(Simulator()), "salesforce")
