"""A simulated NetSuite account served in-process (see `app`)."""

from accord.connectors.netsuite.simulator.account import Account, RecordError
from accord.connectors.netsuite.simulator.app import Faults, Simulator, create_app

__all__ = ["Account", "Faults", "RecordError", "Simulator", "create_app"]
