"""`python -m accord.simulators.salesforce --port PORT [--state-dir DIR]`: the simulator as
a server of its own, with its default credentials (see `Simulator`), until interrupted."""

from accord.simulators.salesforce import Org, Simulator, create_app
from accord.simulators.serving import serve

serve(lambda state: create_app(Simulator(org=Org(state=state))), "salesforce")
