"""`python -m accord.simulators.workday --port PORT`: the simulator as a server of its
own, with its default credentials (see `Simulator`), until interrupted."""

from accord.simulators.serving import serve
from accord.simulators.workday import Simulator, create_app

serve(create_app(Simulator()), "workday")
