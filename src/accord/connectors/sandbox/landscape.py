"""The sandbox landscape: all six simulated systems in one local HTTP server.

`Landscape` mounts each system's app under `/<system>` of one uvicorn server on 127.0.0.1
with an ephemeral port, in a background thread, sharing one `SandboxClock`; the vendor
simulators (`vendors`) are mounted beside them under `/<vendor>`, on the same clock. The scenario
runner starts one per run (it starts in a fraction of a second); `accord up` starts one
with the generated firm and lets the activity generator run on an accelerated clock.
With a state directory, the clock's position is saved there every second and on stop
(`clock.json`), for `clock_start` to resume from after a restart.

Config (a mapping, or YAML via `Landscape.from_yaml`), per system or vendor: `faults` (a list of
fault objects, as for `POST /<system>/_sandbox/faults`) and system options, e.g.
`{"erp": {"concurrency_limit": 3, "mandatory_dimensions": {"DE01": ["department"]},
"faults": [{"kind": "throttle", "count": 5}]}}`.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn
import yaml
from fastapi import FastAPI

from accord.connectors.sandbox.clock import ClockFile, SandboxClock, resume_at
from accord.connectors.sandbox.faults import Fault, FaultPlan, fault_from_dict
from accord.connectors.sandbox.firm_systems import FirmSystems
from accord.connectors.sandbox.generator import ActivityGenerator
from accord.connectors.sandbox.generic_systems import GenericSystems
from accord.connectors.sandbox.servers import billing, clm, crm, erp, hr, psa
from accord.connectors.sandbox.service import control_router
from accord.connectors.sandbox.vendor_systems import VendorSystems
from accord.connectors.sandbox.vendors import THROTTLE_RETRY_AFTER as VENDOR_RETRY_AFTER
from accord.connectors.sandbox.vendors import VENDORS, vendor_apps

AppFactory = Callable[[Path | None, SandboxClock, FaultPlan, Mapping[str, Any] | None], FastAPI]

FACTORIES: dict[str, AppFactory] = {
    "crm": crm.create_app,
    "clm": clm.create_app,
    "psa": psa.create_app,
    "hr": hr.create_app,
    "billing": billing.create_app,
    "erp": erp.create_app,
}
SYSTEMS = tuple(FACTORIES)
# Systems modelled on Kantata answer 429 without Retry-After; the others send one.
THROTTLE_RETRY_AFTER: dict[str, float | None] = (
    {s: 1.0 for s in SYSTEMS} | {"psa": None} | VENDOR_RETRY_AFTER
)
CLOCK_FILE = "clock.json"
CLOCK_SAVE_SECONDS = 1.0


FIRST_DAY = date(2026, 1, 5)


def clock_start(state_dir: Path, first_day: date | None = None) -> datetime:
    """Where the clock of a landscape kept in `state_dir` starts: where it stood when it
    last ran, or at midnight of `first_day` (default `FIRST_DAY`) on fresh state (see
    `clock.resume_at`)."""

    def midnight(day: date) -> datetime:
        return datetime(day.year, day.month, day.day, tzinfo=UTC)

    requested = midnight(first_day) if first_day else None
    saved = ClockFile(state_dir / CLOCK_FILE).read()
    return resume_at(saved, requested, midnight(FIRST_DAY))


class Landscape:
    """Six sandbox systems behind one local server; see the module docstring."""

    def __init__(
        self,
        state_dir: Path | None = None,
        *,
        clock: SandboxClock | None = None,
        config: Mapping[str, Any] | None = None,
    ) -> None:
        config = dict(config or {})
        unknown = set(config) - set(SYSTEMS) - set(VENDORS)
        if unknown:
            known = [*SYSTEMS, *VENDORS]
            raise ValueError(f"unknown sandbox system(s) {sorted(unknown)}; use {known}")
        self.clock = clock or SandboxClock()
        self.state_dir = state_dir
        self.faults: dict[str, FaultPlan] = {}
        self.apps: dict[str, FastAPI] = {}
        for system, factory in FACTORIES.items():
            settings = dict(config.get(system) or {})
            self.faults[system] = FaultPlan.from_config(
                settings.pop("faults", []), default_retry_after=THROTTLE_RETRY_AFTER[system]
            )
            self.apps[system] = factory(state_dir, self.clock, self.faults[system], settings)
        for vendor in VENDORS:
            items = (config.get(vendor) or {}).get("faults", [])
            retry_after = THROTTLE_RETRY_AFTER[vendor]
            self.faults[vendor] = FaultPlan.from_config(items, default_retry_after=retry_after)
        self.vendor_apps = vendor_apps(state_dir, self.clock, self.faults)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._port = 0
        self._activity: ActivityGenerator | None = None
        self._clock_file = ClockFile(state_dir / CLOCK_FILE) if state_dir else None
        self._keeping = threading.Event()

    @classmethod
    def from_yaml(cls, path: Path, **kwargs: Any) -> Landscape:
        """A landscape configured by a YAML file holding the per-system mapping."""
        return cls(config=yaml.safe_load(path.read_text()) or {}, **kwargs)

    def asgi_app(self) -> FastAPI:
        """The root app: each system under `/<system>`, each vendor simulator under
        `/<vendor>` (its faults under `/<vendor>/_sandbox/faults`), the shared clock
        under `/_sandbox`."""
        root = FastAPI(title="Accord sandbox landscape", docs_url="/_sandbox/docs")
        root.include_router(control_router(self.clock, FaultPlan(), None))
        for vendor in VENDORS:
            control = control_router(self.clock, self.faults[vendor], THROTTLE_RETRY_AFTER[vendor])
            root.include_router(control, prefix=f"/{vendor}")
        for name, app in (self.apps | self.vendor_apps).items():
            root.mount(f"/{name}", app)
        return root

    def start(self, timeout: float = 5.0, *, host: str = "127.0.0.1", port: int = 0) -> Landscape:
        """Serve on `host`:`port` (default 127.0.0.1, an ephemeral port); returns once
        requests are accepted."""
        if self._server is not None:
            return self
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted connections inherit it: without it, small responses wait ~40 ms for
        # delayed ACKs on keep-alive connections.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        self._port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.asgi_app(), log_level="warning", access_log=False, lifespan="off"
        )
        server = uvicorn.Server(config)
        self._server = server
        self._thread = threading.Thread(
            target=lambda: asyncio.run(server.serve(sockets=[sock])),
            name="accord-sandbox",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the sandbox landscape did not start; see the log above")
            time.sleep(0.005)
        self._keep_clock()
        return self

    def _keep_clock(self) -> None:
        """Save the clock's position every second while the landscape runs."""
        if self._clock_file is None:
            return
        clock_file = self._clock_file
        self._keeping.clear()

        def keep() -> None:
            while not self._keeping.wait(CLOCK_SAVE_SECONDS):
                clock_file.write(self.clock.now())

        threading.Thread(target=keep, name="accord-sandbox-clock", daemon=True).start()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the landscape is not running; call start() first")
        return f"http://127.0.0.1:{self._port}"

    def base_url(self, system: str) -> str:
        """Where a connector reaches `system` (a role's generic system or a vendor
        simulator), e.g. http://127.0.0.1:40123/erp or .../netsuite."""
        if system not in FACTORIES and system not in VENDORS:
            known = [*SYSTEMS, *VENDORS]
            raise ValueError(f"unknown sandbox system {system!r}; use one of {known}")
        return f"{self.url}/{system}"

    def set_clock(self, now: datetime) -> None:
        self.clock.set(now)

    def inject(self, system: str, fault: Mapping[str, Any]) -> Fault:
        """Add a fault to a system, as `POST /<system>/_sandbox/faults` does."""
        plan = self.faults[system]
        return plan.add(fault_from_dict(fault, default_retry_after=THROTTLE_RETRY_AFTER[system]))

    def clear_faults(self, system: str | None = None) -> None:
        for name in [system] if system else self.faults:
            self.faults[name].clear()

    def firm_systems(self, *, vendors: bool) -> FirmSystems:
        """Where the generated firm works: the vendor simulators when they play the
        roles (`vendors`), else the generic systems."""
        return VendorSystems(self.url) if vendors else GenericSystems(self.url)

    def start_activity(
        self, speed: float = 86_400.0, seed: int = 42, contracts: int = 60, *, vendors: bool
    ) -> ActivityGenerator:
        """Load the generated firm (once, with `contracts` contracts) into the systems
        that play the roles (the vendor simulators when `vendors`) and keep producing
        activity at `speed`."""
        if self._activity is None:
            systems = self.firm_systems(vendors=vendors)
            self._activity = ActivityGenerator(self.clock, systems, seed=seed, contracts=contracts)
        self._activity.start(speed)
        return self._activity

    def stop_activity(self) -> None:
        if self._activity is not None:
            self._activity.stop()

    def stop(self) -> None:
        """Stop activity and the server; the SQLite files (if any) stay for inspection,
        and the clock's position for a restart."""
        if self._activity is not None:
            self._activity.close()
            self._activity = None
        if self._clock_file is not None and self._server is not None:
            self._keeping.set()
            self._clock_file.write(self.clock.now())
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Landscape:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
