"""A simulated NetSuite account served in-process (see `app`)."""

from accord.simulators.netsuite.account import Account, RecordError
from accord.simulators.netsuite.app import Simulator, create_app

__all__ = ["Account", "RecordError", "Simulator", "create_app"]
