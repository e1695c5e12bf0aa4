"""A simulated Kantata OX account that speaks the documented `/api/v1/` shapes.

Every list answers `{count, results: [{key, id}], <type>: {id: object}, meta}` and pages
with `page` and `per_page` (at most 200); `updated_after` and `order=updated_at:asc`
select and sort; `include=external_references` adds the references at the top level; the
`external_reference_service_*` filters find objects by their external references. Writes
accept `external_references_attributes` so an object and its reference are created
together. Requests need `Authorization: Bearer <token>`; `POST /oauth/token` issues
tokens (authorization code or refresh token); a bad token gets the documented 401
`{errors: [{type: oauth, ...}]}`. Objects carry every documented attribute
(`DOCUMENTED_DEFAULTS` fills what their creator leaves out), checked against the
documented examples in `tests/connectors/kantata/documented/`. Fault knobs (`Faults`):
an outage (503), throttling (429 *without* `Retry-After`, as Kantata answers), 502s,
slowness, pages that repeat the previous page's last object, and listings without
`order` in reverse order; the sandbox's fault plan fits there too (see
`simulators.faults`). `updated_at` follows `clock` (the sandbox's) when given one.
Objects and references are kept in the account's `StateStore`, so an account with a
state directory outlives its simulator.
"""

from __future__ import annotations

import copy
import datetime as dt
import secrets
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from accord.simulators.clock import Clock, next_stamp
from accord.simulators.faults import DUPLICATE, FaultPlan, Faults, delay, refusal, unordered
from accord.simulators.mounting import inner_path
from accord.simulators.serving import request_log
from accord.simulators.state import StateStore

MAX_PER_PAGE = 200
RESOURCES = ("workspaces", "stories", "time_entries", "expenses", "invoices")
SINGULAR = {
    "workspaces": "workspace",
    "stories": "story",
    "time_entries": "time_entry",
    "expenses": "expense",
    "invoices": "invoice",
}
OWNER = "1"
"""The user the tokens act for: a participant of every workspace it creates."""
DOCUMENTED_DEFAULTS: dict[str, dict[str, Any]] = {
    "workspaces": {"participant_ids": [OWNER], "primary_counterpart_id": None},
    "time_entries": {
        "story_id": None,
        "billable": False,
        "notes": "",
        "rate_in_cents": 0,
        "currency": "USD",
        "user_can_edit": True,
        "taxable": False,
        "approved": False,
    },
    "expenses": {
        "notes": "",
        "category": "Other",
        "currency": "USD",
        "user_can_edit": True,
        "is_invoiced": False,
        "is_billable": False,
        "taxable": False,
        "receipt_id": None,
        "story_id": None,
    },
}
"""The documented attributes an object has when its creator leaves them out (see
`tests/connectors/kantata/documented/`)."""
REFERENCES = "external_references"
"""The store's kind for external references (objects are kept under their resource)."""
COUNTERS = "counters"
"""The store's kind for the id counter and the last `updated_at` given."""
EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CHF": "CHF"}
FAULT_MESSAGES = {
    429: "Rate limit exceeded",
    503: "Kantata OX is down for maintenance",
}
SUBJECT_TYPES = {
    "workspaces": "Workspace",
    "stories": "Story",
    "time_entries": "TimeEntry",
    "expenses": "Expense",
    "invoices": "Invoice",
}


@dataclass
class Simulator:
    """The account's data, tokens and faults (tests seed and inspect it directly)."""

    client_id: str = "accord-app"
    client_secret: str = "s3cret"
    refresh_token: str = "refresh-1"
    faults: FaultPlan = field(
        default_factory=lambda: Faults(retry_after=None, server_error_status=502)
    )
    """Kantata throttles without `Retry-After` and fails as a gateway does (502)."""
    clock: Clock | None = None
    """The sandbox's clock, when the account runs on one: `updated_at` follows it."""
    objects: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {name: {} for name in RESOURCES}
    )
    references: list[dict[str, Any]] = field(default_factory=list)
    log: deque[str] = field(default_factory=request_log)
    state: StateStore = field(default_factory=StateStore)
    """Where objects and references are kept (in memory unless given a state directory)."""

    def __post_init__(self) -> None:
        self.tokens = {"initial-token"}
        counters = self.state.get(COUNTERS, COUNTERS) or {"ids": 1001, "stamp": EPOCH.isoformat()}
        self._next_id: int = counters["ids"]
        self._stamp = dt.datetime.fromisoformat(counters["stamp"])
        self._lock = threading.Lock()
        for resource in RESOURCES:
            self.objects[resource] |= self.state.load(resource)
        self.references.extend(self.state.load(REFERENCES).values())

    def _keep_counters(self) -> None:
        counters = {"ids": self._next_id, "stamp": self._stamp.isoformat()}
        self.state.put(COUNTERS, COUNTERS, counters)

    def _new_id(self) -> str:
        """The next object or reference id, kept with the records."""
        self._next_id += 1
        self._keep_counters()
        return str(self._next_id - 1)

    def moment(self) -> dt.datetime:
        """Now on the account's clock: the sandbox's when it runs on one, else its last
        `updated_at`."""
        return self.clock() if self.clock is not None else self._stamp

    def _save(self, resource: str, obj: dict[str, Any]) -> None:
        self.state.put(resource, obj["id"], obj)

    def expire_tokens(self) -> None:
        """Every access token stops working (a refresh token still works)."""
        self.tokens.clear()

    def issue_token(self) -> str:
        token = secrets.token_hex(8)
        self.tokens.add(token)
        return token

    def now(self) -> str:
        """A strictly increasing `updated_at`: the clock's now, or a second after the last
        one (so stamps may be shared only when a test sets them)."""
        self._stamp = next_stamp(self._stamp, self.clock, dt.timedelta(seconds=1))
        self._keep_counters()
        return self._stamp.astimezone(dt.UTC).replace(microsecond=0).isoformat()

    def create(self, resource: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Store a new object of `resource` (its attributes as Kantata returns them), with
        the time entries it invoices and its external references, all or nothing."""
        with self._lock, self.state.atomically():
            stamp = self.now()
            obj: dict[str, Any] = {"id": self._new_id(), "created_at": stamp}
            obj["updated_at"] = stamp
            obj |= copy.deepcopy(DOCUMENTED_DEFAULTS.get(resource, {}))
            obj |= {k: v for k, v in fields.items() if k != "external_references_attributes"}
            if "currency" in obj:
                obj["currency_symbol"] = CURRENCY_SYMBOLS.get(obj["currency"], obj["currency"])
                obj["currency_base_unit"] = 100
            self.objects[resource][obj["id"]] = obj
            self._save(resource, obj)
            for entry_id in obj.get("time_entry_ids") or [] if resource == "invoices" else []:
                entry = self.objects["time_entries"][str(entry_id)]
                entry.update(invoiced=True, invoice_id=obj["id"], updated_at=self.now())
                self._save("time_entries", entry)
            for ref in fields.get("external_references_attributes") or []:
                reference = {
                    **ref,
                    "id": self._new_id(),
                    "subject_type": SUBJECT_TYPES[resource],
                    "subject_id": obj["id"],
                }
                self.references.append(reference)
                self.state.put(REFERENCES, reference["id"], reference)
            return obj

    def update(self, resource: str, object_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            obj = self.objects[resource][object_id]
            obj.update(fields, updated_at=self.now())
            self._save(resource, obj)
            return obj

    def references_of(self, resource: str, object_id: str) -> list[dict[str, Any]]:
        subject = SUBJECT_TYPES[resource]
        return [
            r
            for r in self.references
            if r["subject_type"] == subject and r["subject_id"] == object_id
        ]

    def count_referenced(self, resource: str, service_model: str) -> int:
        """How many objects of `resource` carry a reference of `service_model`."""
        subject = SUBJECT_TYPES[resource]
        return len(
            {
                r["subject_id"]
                for r in self.references
                if r["subject_type"] == subject and r.get("service_model") == service_model
            }
        )


def _errors(status: int, message: str, kind: str = "system") -> JSONResponse:
    """The documented error body: `{errors: [{type, message}]}`."""
    return JSONResponse({"errors": [{"type": kind, "message": message}]}, status)


def _matches(sim: Simulator, resource: str, obj: dict[str, Any], query: dict[str, str]) -> bool:
    if "updated_after" in query and obj["updated_at"] <= query["updated_after"]:
        return False
    for name in ("approved", "invoiced"):
        if name in query and bool(obj.get(name)) != (query[name] == "true"):
            return False
    if "only" in query and obj["id"] not in query["only"].split(","):
        return False
    if "story_type" in query and obj.get("story_type") != query["story_type"]:
        return False
    if "workspace_id" in query and obj.get("workspace_id") != query["workspace_id"]:
        return False
    wanted = {
        k.removeprefix("external_reference_"): v
        for k, v in query.items()
        if k.startswith("external_reference_service_")
    }
    if wanted:
        return any(
            all(str(ref.get(k)) == v for k, v in wanted.items())
            for ref in sim.references_of(resource, obj["id"])
        )
    return True


def _list(sim: Simulator, resource: str, query: dict[str, str]) -> JSONResponse:
    per_page = int(query.get("per_page", 20))
    if not 1 <= per_page <= MAX_PER_PAGE:
        return _errors(400, f"per_page must be between 1 and {MAX_PER_PAGE}")
    page = int(query.get("page", 1))
    found = [o for o in sim.objects[resource].values() if _matches(sim, resource, o, query)]
    path = f"/api/v1/{resource}"
    if query.get("order") == "updated_at:asc":
        found.sort(key=lambda o: (o["updated_at"], int(o["id"])))
    else:
        found = unordered(sim.faults, sim.moment(), path, found)
    chunk = found[(page - 1) * per_page : page * per_page]
    if sim.faults.chance(DUPLICATE, sim.moment(), path) and page > 1 and chunk:
        chunk = [found[(page - 1) * per_page - 1], *chunk]
    body: dict[str, Any] = {
        "count": len(found),
        "results": [{"key": resource, "id": o["id"]} for o in chunk],
        resource: {o["id"]: o for o in chunk},
        "meta": {
            "count": len(found),
            "page_count": max(1, -(-len(found) // per_page)),
            "page_number": page,
            "page_size": per_page,
        },
    }
    if "external_references" in query.get("include", "").split(","):
        refs = [r for o in chunk for r in sim.references_of(resource, o["id"])]
        body["external_references"] = {r["id"]: r for r in refs}
        for o in chunk:
            o["external_reference_ids"] = [r["id"] for r in sim.references_of(resource, o["id"])]
    return JSONResponse(body)


def _single(resource: str, obj: dict[str, Any], status: int = 200) -> JSONResponse:
    body = {"count": 1, "results": [{"key": resource, "id": obj["id"]}], resource: {obj["id"]: obj}}
    return JSONResponse(body, status)


def create_app(sim: Simulator) -> FastAPI:
    """The simulated account as an ASGI app (`https://api.mavenlink.com` paths)."""
    app = FastAPI(title="Kantata OX (simulated)")

    @app.middleware("http")
    async def faults(request: Request, call_next: Any) -> Any:
        sim.log.append(f"{request.method} {inner_path(request)}?{request.url.query}")
        path = inner_path(request).removesuffix(".json")
        await delay(sim.faults, sim.moment(), path)
        fault = refusal(sim.faults, sim.moment(), path)
        if fault is not None:
            return _errors(fault.status, FAULT_MESSAGES.get(fault.status, "Bad gateway"))
        if inner_path(request).startswith("/api/v1/"):
            token = request.headers.get("authorization", "").removeprefix("Bearer ")
            if token not in sim.tokens:
                return _errors(401, "Invalid OAuth 2 Request", "oauth")
        return await call_next(request)

    @app.post("/oauth/token")
    async def token(request: Request) -> JSONResponse:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        if (form.get("client_id"), form.get("client_secret")) != (sim.client_id, sim.client_secret):
            return JSONResponse({"error": "invalid_client"}, 401)
        if (
            form.get("grant_type") != "refresh_token"
            or form.get("refresh_token") != sim.refresh_token
        ):
            return JSONResponse({"error": "invalid_grant"}, 400)
        return JSONResponse({"access_token": sim.issue_token(), "token_type": "bearer"})

    @app.get("/api/v1/{resource}")
    async def index(resource: str, request: Request) -> JSONResponse:
        if resource.removesuffix(".json") not in RESOURCES:
            return _errors(404, f"no such resource: {resource}")
        return _list(sim, resource.removesuffix(".json"), dict(request.query_params))

    @app.get("/api/v1/{resource}/{object_id}")
    async def show(resource: str, object_id: str) -> JSONResponse:
        obj = sim.objects.get(resource, {}).get(object_id.removesuffix(".json"))
        return _single(resource, obj) if obj else _errors(404, f"{resource} {object_id} not found")

    @app.post("/api/v1/{resource}")
    async def create(resource: str, request: Request) -> JSONResponse:
        singular = SINGULAR.get(resource, resource)
        body = await request.json()
        fields = body.get(singular)
        if resource not in RESOURCES or not isinstance(fields, dict):
            return _errors(422, f"send the attributes under {singular!r}")
        return _single(resource, sim.create(resource, fields), 200)

    @app.put("/api/v1/{resource}/{object_id}")
    async def update(resource: str, object_id: str, request: Request) -> JSONResponse:
        if object_id not in sim.objects.get(resource, {}):
            return _errors(404, f"{resource} {object_id} not found")
        body = await request.json()
        fields: dict[str, Any] = next(iter(body.values()), {})
        return _single(resource, sim.update(resource, object_id, fields))

    return app
