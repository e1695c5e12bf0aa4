"""The connectors a landscape names, built through their entry points.

Sandbox connectors (`sandbox-*`) without a `base_url` reach the sandbox the hub runs:
the embedded one (`accord up`) or the one `accord sandbox up` serves to a scaled-out hub.
So do vendor connectors without one (Salesforce, Kantata, Workday, NetSuite): they reach
that sandbox's simulator of their vendor, signed in with its default credentials under
whatever settings the landscape gives.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from accord.connectors.sandbox.landscape import Landscape as SandboxLandscape
from accord.connectors.sandbox.vendors import SIMULATOR_OF, VENDOR_SETTINGS
from accord.connectors.sdk.connector import (
    CheckResult,
    Connector,
    discover_connectors,
    probe,
)
from accord.landscape import Landscape

MASTER_DATA_FIRST = ("hr", "crm", "clm", "psa", "billing", "erp")
"""A scaled-out hub's order: workers apply what is logged at once, so a time entry
logged before its person would be quarantined."""

SandboxUrl = Callable[[str], str]
"""The base URL of one sandbox system, by role."""


def _no_wait(_seconds: float) -> None:
    """Retries under a simulated clock do not wait in real time."""


def _ordered(landscape: Landscape, order: tuple[str, ...] | None) -> list[str]:
    keys = list(landscape.entries())
    if order is None:
        return keys
    rank = {f"systems.{role}": index for index, role in enumerate(order)}
    return sorted(keys, key=lambda key: rank.get(key, len(rank)))


def connector_configs(
    landscape: Landscape, sandbox_url: SandboxUrl | None = None
) -> dict[str, tuple[str, dict[str, Any]]]:
    """Entry-point name and config dict of every configured system, by key path."""
    configs = {}
    for key, entry in landscape.entries().items():
        role = key.removeprefix("systems.")
        default_url, defaults = None, {}
        simulator = SIMULATOR_OF.get(entry.connector)
        if entry.connector.startswith("sandbox-") and sandbox_url is not None:
            default_url = sandbox_url(role)
        elif simulator is not None and sandbox_url is not None and entry.base_url is None:
            default_url, defaults = sandbox_url(simulator), VENDOR_SETTINGS[simulator]
        configs[key] = (entry.connector, defaults | landscape.connector_config(key, default_url))
    return configs


def build_connectors(
    landscape: Landscape,
    sandbox_url: SandboxUrl | None = None,
    *,
    order: tuple[str, ...] | None = None,
    options: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Connector]:
    """One connector per configured system, by connector name. `options` adds config
    per role (e.g. a simulated clock); `order` puts roles first (the rest follow)."""
    factories = discover_connectors()
    configs = connector_configs(landscape, sandbox_url)
    connectors: dict[str, Connector] = {}
    for key in _ordered(landscape, order):
        name, config = configs[key]
        extra = (options or {}).get(key.removeprefix("systems."), {})
        connector = factories[name](config | dict(extra))
        connectors[connector.name] = connector
    return connectors


def check_connectors(
    landscape: Landscape, sandbox_url: SandboxUrl | None = None
) -> dict[str, tuple[str, CheckResult]]:
    """Probe every configured system once (no retries): connector name and outcome, by
    key path."""
    factories = discover_connectors()
    results = {}
    for key, (name, settings) in connector_configs(landscape, sandbox_url).items():
        results[key] = (name, probe(factories[name], settings | {"max_attempts": 1}))
    return results


def sandbox_connectors(
    landscape: SandboxLandscape,
    *,
    simulated: bool = False,
    options: Mapping[str, Any] | None = None,
) -> dict[str, Connector]:
    """One connector per generic sandbox system (what the scenario runner and tests write
    to). `simulated`: retries do not really sleep and the connectors' clocks (backoff,
    circuit breakers) follow the landscape's clock."""
    extra = simulated_options(landscape) if simulated else {}
    for role, added in (options or {}).items():
        extra[role] = dict(extra.get(role, {})) | dict(added)
    generic = Landscape.default(vendors=False)
    return build_connectors(generic, landscape.base_url, options=extra)


def simulated_options(landscape: SandboxLandscape) -> dict[str, dict[str, Any]]:
    """Config per sandbox role so retries do not really sleep and the connectors' clocks
    (backoff, circuit breakers) follow the simulated clock."""
    return {
        role: {"sleep": _no_wait, "clock": lambda: landscape.clock.now().timestamp()}
        for role in MASTER_DATA_FIRST
    }


def remote_sandbox_connectors(url: str) -> dict[str, Connector]:
    """One connector per generic system of a sandbox landscape served by another process
    at `url` (`accord sandbox up --generic`), so several hub processes share one landscape."""
    generic = Landscape.default(vendors=False)
    return build_connectors(generic, remote_sandbox_url(url), order=MASTER_DATA_FIRST)


def remote_sandbox_url(url: str) -> SandboxUrl:
    """The system URLs of the sandbox `accord sandbox up` serves at `url`."""
    return lambda role: f"{url.rstrip('/')}/{role}"
