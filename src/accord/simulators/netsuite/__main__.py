"""`python -m accord.simulators.netsuite --port PORT [--state-dir DIR]`: the simulator as
a server of its own, with its default credentials (see `Simulator`), until interrupted."""

from accord.simulators.netsuite import Account, Simulator, create_app
from accord.simulators.serving import serve

serve(lambda state: create_app(Simulator(account=Account(state))), "netsuite")
