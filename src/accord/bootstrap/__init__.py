"""The one place that wires adapters and connectors to ports (see `core` and `connectors`).

`build_hub(settings)` returns the Hub (store, event log, outbox); `build_services` wires
the contract-to-cash services to it and to the connectors `build_connectors` builds from
the landscape file (`accord.landscape`).
"""

from accord.bootstrap.connectors import (
    MASTER_DATA_FIRST,
    build_connectors,
    check_connectors,
    connector_configs,
    remote_sandbox_connectors,
    remote_sandbox_url,
    sandbox_connectors,
    simulated_options,
)
from accord.bootstrap.core import (
    FIRM_SOURCE,
    Hub,
    Services,
    build_einvoicing,
    build_hub,
    build_inbound,
    build_services,
    configure_firm,
    offline_exception_actions,
    reconciliation_sources,
)
from accord.bootstrap.flow_steps import flow_registry
from accord.bootstrap.process import Wired, correcting_postings, process_ports, wire_hub

__all__ = [
    "FIRM_SOURCE",
    "MASTER_DATA_FIRST",
    "Hub",
    "Services",
    "Wired",
    "build_connectors",
    "build_einvoicing",
    "build_hub",
    "build_inbound",
    "build_services",
    "check_connectors",
    "configure_firm",
    "connector_configs",
    "correcting_postings",
    "flow_registry",
    "offline_exception_actions",
    "process_ports",
    "reconciliation_sources",
    "remote_sandbox_connectors",
    "remote_sandbox_url",
    "sandbox_connectors",
    "simulated_options",
    "wire_hub",
]
