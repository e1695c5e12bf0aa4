"""`python -m accord.connectors.netsuite.simulator --port PORT`: the simulator as a server of
its own, with its default credentials (see `Simulator`), until interrupted."""

from accord.connectors.netsuite.simulator import Simulator, create_app
from accord.connectors.sdk.simulation import serve

serve(create_app(Simulator()), "netsuite")
