"""A simulated Workday tenant over HTTP (ASGI), for tests and demos of the connector:
`create_app(Simulator(...))`; `Simulator` holds the workers, the API client's
credentials, issued tokens and fault knobs.

Served paths:

- `POST /ccx/oauth2/{tenant}/token` (refresh-token grant, client id and secret as HTTP
  Basic): `{"access_token", "token_type": "Bearer"}`, else 401 `invalid_client` or 400
  `invalid_grant`
- `GET /ccx/api/v1/{tenant}/workers?limit&offset&updatedFrom`: `{"total", "data"}` in
  `(lastUpdated, id)` order; `limit` at most 100
- `GET /ccx/api/v1/{tenant}/workers/{ID}` (a WID or `Employee_ID=...`): one worker or 404

Simulator only (no Workday API: Workday offers no public write API for workers), for
seeding a tenant from outside the process, as the sandbox's generated firm is:

- `GET /_sandbox/workers/{Employee_ID}`: the worker as stored, or 404
- `PUT /_sandbox/workers/{Employee_ID}` with Workday's worker fields (`descriptor`,
  `jobProfile`, `jobHistory`, `costRates`, ...): creates or changes the worker (a new
  `lastUpdated`), as `Simulator.put_worker` does

A missing or unknown token is 401 (the seeding paths take none). `Faults` switches on
an outage (503), throttling (429 with `Retry-After`), server errors (500), latency and
pages that repeat the previous page's last worker; the sandbox's fault plan fits there
too (see `simulators.faults`), but a reorder fault leaves the workers in the
`lastUpdated` order the listing promises. `lastUpdated` follows `clock` (the sandbox's)
when given one. Workers are kept in the tenant's `StateStore`, so a tenant with a state
directory outlives its simulator.
"""

from __future__ import annotations

import base64
import datetime as dt
import threading
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from accord.simulators.clock import Clock, next_stamp
from accord.simulators.faults import DUPLICATE, FaultPlan, Faults, delay, refusal
from accord.simulators.mounting import inner_path
from accord.simulators.serving import request_log
from accord.simulators.state import StateStore

MAX_LIMIT = 100
FAULT_MESSAGES = {
    429: "Too many requests",
    500: "An unexpected error occurred",
    503: "Workday is unavailable for scheduled maintenance",
}
EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
WORKERS = "workers"
STAMP = "stamp"
"""The store's kind for the last `lastUpdated` given."""


@dataclass
class Simulator:
    """A tenant's workers, its integration API client, issued tokens and faults."""

    tenant: str = "acme"
    client_id: str = "accord-client"
    client_secret: str = "s3cret"
    refresh_token: str = "r3fresh"
    workers: dict[str, dict[str, Any]] = field(default_factory=dict)
    faults: FaultPlan = field(default_factory=Faults)
    clock: Clock | None = None
    """The sandbox's clock, when the tenant runs on one: `lastUpdated` follows it."""
    tokens: set[str] = field(default_factory=set)
    log: deque[str] = field(default_factory=request_log)
    """`METHOD path?query` of every request received, oldest first."""
    state: StateStore = field(default_factory=StateStore)
    """Where the workers are kept (in memory unless given a state directory)."""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        """Take up the workers the state holds."""
        self.workers |= self.state.load(WORKERS)
        saved = self.state.get(STAMP, STAMP)
        self._stamp = dt.datetime.fromisoformat(saved) if saved else EPOCH

    def put_worker(self, employee_id: str, **fields: Any) -> dict[str, Any]:
        """Create or change a worker (a new `lastUpdated`); `fields` are Workday's."""
        with self._lock:
            wid = f"wid{employee_id.lower()}"
            self._stamp = next_stamp(self._stamp, self.clock, dt.timedelta(seconds=1))
            stamp = self._stamp.astimezone(dt.UTC).replace(microsecond=0)
            worker = self.workers.get(wid) or self._new_worker(wid, employee_id)
            worker.update(fields, lastUpdated=stamp.isoformat().replace("+00:00", "Z"))
            self.workers[wid] = worker
            with self.state.atomically():
                self.state.put(WORKERS, wid, worker)
                self.state.put(STAMP, STAMP, self._stamp.isoformat())
            return worker

    def _new_worker(self, wid: str, employee_id: str) -> dict[str, Any]:
        """A worker summary as Workday's collection answer holds it, plus `workerId`."""
        return {
            "id": wid,
            "descriptor": employee_id,
            "href": f"/ccx/api/v1/{self.tenant}/workers/{wid}",
            "workerId": employee_id,
            "businessTitle": "Consultant",
            "primaryWorkEmail": f"{employee_id.lower()}@example.test",
            "isManager": False,
            "primarySupervisoryOrganization": {
                "id": "org1",
                "descriptor": "Delivery",
                "href": f"/ccx/api/v1/{self.tenant}/supervisoryOrganizations/org1",
            },
        }

    def expire_tokens(self) -> None:
        """Every issued access token becomes invalid (as their expiry does)."""
        self.tokens.clear()

    def ordered(self, updated_from: str | None) -> list[dict[str, Any]]:
        workers = sorted(self.workers.values(), key=lambda w: (w["lastUpdated"], w["id"]))
        return [w for w in workers if not updated_from or w["lastUpdated"] >= updated_from]

    def now(self) -> dt.datetime:
        """Now on the tenant's clock: the sandbox's when it runs on one, else its last
        `lastUpdated`."""
        return self.clock() if self.clock is not None else self._stamp

    def take_fault(self, path: str) -> JSONResponse | None:
        """The fault answer for this request, if a fault hits it (one of its count used)."""
        fault = refusal(self.faults, self.now(), path)
        if fault is None:
            return None
        message = FAULT_MESSAGES.get(fault.status, FAULT_MESSAGES[500])
        return _error(fault.status, message, **fault.headers)


def _error(status: int, message: str, **headers: str) -> JSONResponse:
    return JSONResponse({"error": message, "errors": []}, status_code=status, headers=headers)


def create_app(simulator: Simulator | None = None) -> FastAPI:
    """The simulator as an ASGI app; `app.state.simulator` is its state and knobs."""
    sim = simulator or Simulator()
    app = FastAPI(title="Workday simulator")
    app.state.simulator = sim
    app.middleware("http")(_guard(sim))
    _token_route(app, sim)
    _worker_routes(app, sim)
    _seed_routes(app, sim)
    return app


Next = Callable[[Request], Awaitable[Response]]


def _guard(sim: Simulator) -> Callable[[Request, Next], Awaitable[Response]]:
    async def guard(request: Request, call_next: Next) -> Response:
        query = f"?{request.url.query}" if request.url.query else ""
        sim.log.append(f"{request.method} {inner_path(request)}{query}")
        await delay(sim.faults, sim.now(), inner_path(request))
        fault = sim.take_fault(inner_path(request))
        if fault is not None:
            return fault
        if inner_path(request).startswith(f"/ccx/api/v1/{sim.tenant}/"):
            token = request.headers.get("Authorization", "").removeprefix("Bearer ")
            if token not in sim.tokens:
                return _error(401, "invalid access token")
        return await call_next(request)

    return guard


def _token_route(app: FastAPI, sim: Simulator) -> None:
    @app.post("/ccx/oauth2/{tenant}/token")
    async def token(tenant: str, request: Request) -> JSONResponse:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        expected = f"{sim.client_id}:{sim.client_secret}".encode()
        basic = "Basic " + base64.b64encode(expected).decode()
        if tenant != sim.tenant or request.headers.get("Authorization") != basic:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        if form.get("grant_type") != "refresh_token":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        if form.get("refresh_token") != sim.refresh_token:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        issued = f"access-{len(sim.tokens)}-{id(form)}"
        sim.tokens.add(issued)
        return JSONResponse({"access_token": issued, "token_type": "Bearer"})


def _worker_routes(app: FastAPI, sim: Simulator) -> None:
    @app.get("/ccx/api/v1/{tenant}/workers")
    def workers(
        tenant: str, limit: int = 20, offset: int = 0, updatedFrom: str | None = None
    ) -> Any:
        if limit < 1 or limit > MAX_LIMIT or offset < 0:
            return _error(400, f"limit must be 1 to {MAX_LIMIT} and offset at least 0")
        found = sim.ordered(updatedFrom)
        path = f"/ccx/api/v1/{tenant}/workers"
        duplicates = sim.faults.chance(DUPLICATE, sim.now(), path)
        start = offset - 1 if duplicates and offset else offset
        return {"total": len(found), "data": found[start : offset + limit]}

    @app.get("/ccx/api/v1/{tenant}/workers/{reference}")
    def worker(tenant: str, reference: str) -> Any:
        kind, _, value = reference.partition("=")
        for candidate in sim.workers.values():
            if (kind == "Employee_ID" and candidate["workerId"] == value) or (
                not value and candidate["id"] == reference
            ):
                return candidate
        return _error(404, f"no worker {reference}")


def _seed_routes(app: FastAPI, sim: Simulator) -> None:
    """The simulator-only seeding paths (see the module docs)."""

    @app.get("/_sandbox/workers/{employee_id}")
    def seeded(employee_id: str) -> Any:
        found = sim.workers.get(f"wid{employee_id.lower()}")
        return found if found is not None else _error(404, f"no worker {employee_id}")

    @app.put("/_sandbox/workers/{employee_id}")
    async def seed(employee_id: str, request: Request) -> Any:
        fields = await request.json()
        if not isinstance(fields, dict):
            return _error(400, "send the worker's fields as a JSON object")
        return sim.put_worker(employee_id, **fields)
