"""A simulated Workday tenant over HTTP (ASGI), for tests and demos of the connector:
`create_app(Simulator())`; `Simulator` holds the tenant's workers, the API client's
credentials, issued tokens and fault knobs."""

from accord.simulators.workday.app import Simulator, create_app

__all__ = ["Simulator", "create_app"]
