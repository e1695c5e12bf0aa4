"""`python -m accord.simulators.kantata --port PORT [--state-dir DIR]`: the simulator as a
server of its own, with its default credentials (see `Simulator`), until interrupted."""

from accord.simulators.kantata import Simulator, create_app
from accord.simulators.serving import serve

serve(lambda state: create_app(Simulator(state=state)), "kantata")
