"""`python -m accord.simulators.workday --port PORT [--state-dir DIR]`: the simulator as a
server of its own, with its default credentials (see `Simulator`), until interrupted."""

from accord.simulators.serving import serve
from accord.simulators.workday import Simulator, create_app

serve(lambda state: create_app(Simulator(state=state)), "workday")
