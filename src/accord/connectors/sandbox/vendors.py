"""The vendor simulators in the sandbox landscape: Salesforce, Kantata OX, Workday and
NetSuite, served beside the generic systems under `/<vendor>` of the landscape's one
server, so the vendor connectors can be exercised against it end to end.

Each runs on the landscape's clock (its records are stamped in simulated time) with a
fault plan of its own (`/<vendor>/_sandbox/faults`, `Landscape.inject`), and, with a
state directory, keeps its records in `<state dir>/vendors/<vendor>.sqlite3`, so a
restarted landscape finds them. Credentials are each simulator's defaults
(`VENDOR_SETTINGS`); NetSuite's hold both token-based authentication (used unless the
landscape says otherwise) and OAuth 2.0 M2M with the simulator's own certificate, which
a landscape chooses with `settings: {auth: m2m}`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from accord.connectors.sandbox.clock import SandboxClock
from accord.connectors.sandbox.faults import FaultPlan
from accord.simulators import kantata, netsuite, salesforce, workday
from accord.simulators.netsuite.app import TokenCredentials
from accord.simulators.netsuite.m2m import SANDBOX_KEY_FILE
from accord.simulators.state import StateStore

VENDORS = ("salesforce", "kantata", "workday", "netsuite")
THROTTLE_RETRY_AFTER: dict[str, float | None] = {
    "salesforce": 1.0,
    "kantata": None,
    "workday": 1.0,
    "netsuite": None,
}
"""Kantata and NetSuite answer 429 without `Retry-After`; Salesforce and Workday send one."""

_NETSUITE_TBA = TokenCredentials
_KANTATA = kantata.Simulator
_WORKDAY = workday.Simulator
_SALESFORCE = salesforce.Simulator
VENDOR_SETTINGS: dict[str, dict[str, Any]] = {
    "salesforce": {
        "client_id": _SALESFORCE.client_id,
        "client_secret": _SALESFORCE.client_secret,
    },
    "kantata": {
        "access_token": "initial-token",
        "client_id": _KANTATA.client_id,
        "client_secret": _KANTATA.client_secret,
        "refresh_token": _KANTATA.refresh_token,
    },
    "workday": {
        "tenant": _WORKDAY.tenant,
        "client_id": _WORKDAY.client_id,
        "client_secret": _WORKDAY.client_secret,
        "refresh_token": _WORKDAY.refresh_token,
    },
    "netsuite": {
        "account_id": _NETSUITE_TBA.realm,
        "consumer_key": _NETSUITE_TBA.consumer_key,
        "consumer_secret": _NETSUITE_TBA.consumer_secret,
        "token_id": _NETSUITE_TBA.token_id,
        "token_secret": _NETSUITE_TBA.token_secret,
        "client_id": netsuite.Simulator.client_id,
        "certificate_id": netsuite.Simulator.certificate_id,
        "private_key_file": str(SANDBOX_KEY_FILE),
    },
}
"""The connector settings that sign in to each simulator (its default credentials)."""

ROLE_CONNECTORS = {
    "crm": "salesforce",
    "clm": "salesforce-clm",
    "psa": "kantata",
    "hr": "workday",
    "erp": "netsuite",
}
"""The roles a sandbox with `vendors: true` gives the vendor connectors (billing keeps
the generic system: no vendor plays it)."""
SIMULATOR_OF = {
    "salesforce": "salesforce",
    "salesforce-clm": "salesforce",
    "kantata": "kantata",
    "workday": "workday",
    "netsuite": "netsuite",
}
"""The vendor simulator a vendor connector reaches when the landscape names no URL."""

VendorFactory = Callable[[StateStore, SandboxClock, FaultPlan], FastAPI]


def _salesforce(state: StateStore, clock: SandboxClock, faults: FaultPlan) -> FastAPI:
    org = salesforce.Org(clock=clock.now, state=state)
    return salesforce.create_app(salesforce.Simulator(org=org, faults=faults))


def _kantata(state: StateStore, clock: SandboxClock, faults: FaultPlan) -> FastAPI:
    return kantata.create_app(kantata.Simulator(faults=faults, clock=clock.now, state=state))


def _workday(state: StateStore, clock: SandboxClock, faults: FaultPlan) -> FastAPI:
    return workday.create_app(workday.Simulator(faults=faults, clock=clock.now, state=state))


def _netsuite(state: StateStore, clock: SandboxClock, faults: FaultPlan) -> FastAPI:
    account = netsuite.Account(state, now=clock.now)

    def assertions_expire() -> float:
        """An M2M assertion is stale once behind both clocks: a hub signs it on the
        sandbox's clock or on the wall clock, whichever its connectors run on."""
        return min(time.time(), clock.now().timestamp())

    simulator = netsuite.Simulator(account=account, faults=faults, clock=assertions_expire)
    return netsuite.create_app(simulator)


FACTORIES: dict[str, VendorFactory] = {
    "salesforce": _salesforce,
    "kantata": _kantata,
    "workday": _workday,
    "netsuite": _netsuite,
}


def vendor_apps(
    state_dir: Path | None, clock: SandboxClock, plans: Mapping[str, FaultPlan]
) -> dict[str, FastAPI]:
    """Each vendor simulator's app, on `clock`, with its plan from `plans`."""
    folder = state_dir / "vendors" if state_dir is not None else None
    return {
        vendor: factory(StateStore.in_directory(folder, vendor), clock, plans[vendor])
        for vendor, factory in FACTORIES.items()
    }
