"""A simulated Kantata OX account over HTTP (ASGI), for tests and demos of the connector:
`create_app(Simulator())`; `Simulator` holds the account's objects, external references,
tokens and fault knobs."""

from accord.simulators.kantata.app import Simulator, create_app

__all__ = ["Simulator", "create_app"]
