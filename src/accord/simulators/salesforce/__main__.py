"""`python -m accord.simulators.salesforce --port PORT`: the simulator as a server of
its own, with its default credentials (see `Simulator`), until interrupted."""

from accord.simulators.salesforce import Simulator, create_app
from accord.simulators.serving import serve

serve(create_app(Simulator()), "salesforce")
