"""`python -m accord.simulators.kantata --port PORT`: the simulator as a server of its
own, with its default credentials (see `Simulator`), until interrupted."""

from accord.simulators.kantata import Simulator, create_app
from accord.simulators.serving import serve

serve(create_app(Simulator()), "kantata")
