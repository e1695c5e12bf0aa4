"""What every sandbox system shares: errors, fault injection, the `/_sandbox` control API.

`create_system_app` builds the FastAPI app a system module then adds its routes to. Fault
injection is middleware, so every business endpoint misbehaves the same way; feed
endpoints additionally consult the plan for duplicate and reordered delivery.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, FastAPI, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from accord.connectors.sandbox.clock import SandboxClock, format_instant, parse_instant
from accord.connectors.sandbox.faults import FaultKind, FaultPlan, fault_from_dict
from accord.connectors.sandbox.store import ChangesPage, Record, SandboxStore

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class SandboxError(Exception):
    """A business error a sandbox system answers with (status, machine code, message)."""

    def __init__(self, status: int, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details

    def response(self, headers: dict[str, str] | None = None) -> JSONResponse:
        body = {"error": {"code": self.code, "message": self.message, **self.details}}
        return JSONResponse(body, status_code=self.status, headers=headers)


def not_found(kind: str, key: str) -> SandboxError:
    return SandboxError(404, "NOT_FOUND", f"no {kind} with id or external id {key!r}")


class ClockSetting(BaseModel):
    now: datetime


def create_system_app(
    system: str,
    store: SandboxStore,
    clock: SandboxClock,
    faults: FaultPlan,
    *,
    throttle_retry_after: float | None,
) -> FastAPI:
    """A FastAPI app with the sandbox control API and fault-injection middleware.

    `throttle_retry_after` is the Retry-After a throttle fault sends when it does not say
    otherwise: seconds for Dynamics/NetSuite-like systems, None for Kantata-like ones.
    """
    app = FastAPI(title=f"Accord sandbox: {system}", docs_url="/_sandbox/docs")
    app.state.system = system
    app.state.store = store
    app.state.clock = clock
    app.state.faults = faults

    @app.exception_handler(SandboxError)
    async def answer_error(request: Request, error: SandboxError) -> Response:
        return error.response()

    app.middleware("http")(_fault_middleware(system, clock, faults))
    app.include_router(control_router(clock, faults, throttle_retry_after))
    return app


def control_router(
    clock: SandboxClock, faults: FaultPlan, throttle_retry_after: float | None
) -> APIRouter:
    """`/_sandbox/faults` and `/_sandbox/clock`: how tests and scenarios steer a system."""
    router = APIRouter(prefix="/_sandbox", tags=["sandbox control"])

    @router.get("/faults")
    def list_faults() -> list[dict[str, Any]]:
        return [f.to_json() for f in faults.snapshot(clock.now())]

    @router.post("/faults", status_code=201)
    def add_fault(body: dict[str, Any]) -> dict[str, Any]:
        try:
            fault = fault_from_dict(body, default_retry_after=throttle_retry_after)
        except (ValueError, TypeError) as error:
            raise SandboxError(400, "INVALID_FAULT", str(error)) from None
        return faults.add(fault).to_json()

    @router.delete("/faults", status_code=204)
    def clear_faults() -> None:
        faults.clear()

    @router.get("/clock")
    def read_clock() -> dict[str, str | float]:
        return {"now": format_instant(clock.now()), "speed": clock.speed}

    @router.put("/clock")
    def set_clock(setting: ClockSetting) -> dict[str, str]:
        clock.set(as_utc(setting.now))
        return {"now": format_instant(clock.now())}

    return router


Middleware = Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]


def route_path(request: Request) -> str:
    """The request path inside this system's app (without the /<system> mount prefix)."""
    path: str = request.scope["path"]
    root: str = request.scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def _fault_middleware(system: str, clock: SandboxClock, faults: FaultPlan) -> Middleware:
    async def inject_faults(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        path = route_path(request)
        if path.startswith("/_sandbox"):
            return await call_next(request)
        now = clock.now()
        delay = faults.hit(FaultKind.LATENCY, now, path)
        if delay is not None:
            await asyncio.sleep(delay.latency_ms / 1000)
        refusal = _refusal(system, request.method, path, faults, now)
        return refusal if refusal is not None else await call_next(request)

    return inject_faults


def _refusal(
    system: str, method: str, path: str, faults: FaultPlan, now: datetime
) -> Response | None:
    if (fault := faults.hit(FaultKind.UNAVAILABLE, now, path)) is not None:
        until = f" until {format_instant(fault.until)}" if fault.until else ""
        return SandboxError(503, "SERVICE_UNAVAILABLE", f"{system} is down{until}").response()
    if (fault := faults.hit(FaultKind.THROTTLE, now, path)) is not None:
        headers = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = f"{fault.retry_after:g}"
        error = SandboxError(429, "TOO_MANY_REQUESTS", f"{system} is throttling requests")
        return error.response(headers)
    if (fault := faults.hit(FaultKind.ERROR_RATE, now, path)) is not None:
        return SandboxError(500, "INTERNAL_ERROR", f"{system} failed unexpectedly").response()
    if method in WRITE_METHODS and (fault := faults.hit(FaultKind.REJECT, now, path)):
        message = f"{system} rejects this change (injected business rule failure)"
        return SandboxError(fault.status or 422, "BUSINESS_RULE_REJECTED", message).response()
    return None


def as_utc(moment: datetime) -> datetime:
    """A naive query-string datetime is taken as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def optional_instant(text: str | None) -> datetime | None:
    """Parse an `updated_since`-style parameter, answering 400 with the expected form."""
    if text is None:
        return None
    try:
        return parse_instant(text)
    except ValueError:
        raise SandboxError(
            400,
            "INVALID_PARAMETER",
            f"{text!r} is not an ISO 8601 instant, e.g. 2026-01-31T00:00:00Z",
        ) from None


def page_json(
    page: ChangesPage, render: Callable[[Record], dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The paged list shape every sandbox system answers with."""
    to_json = render or Record.to_json
    return {"items": [to_json(r) for r in page.records], "next_page": page.next_page}


def add_upsert_routes(
    app: FastAPI,
    store: SandboxStore,
    collection: str,
    kind: str,
    model: type[BaseModel],
    filters: tuple[str, ...] = (),
) -> None:
    """`PUT /{collection}/eid:{id}` (upsert), `GET` by external id, and a paged listing.

    `filters` names body fields the listing can be filtered by (`?filter=field:value`).
    """

    def upsert(external_id: str, body: dict[str, Any], response: Response) -> dict[str, Any]:
        data = model.model_validate(body).model_dump(mode="json", by_alias=True)
        record, created = store.upsert_external(kind, external_id, data)
        response.status_code = 201 if created else 200
        return record.to_json()

    def read(external_id: str) -> dict[str, Any]:
        record = store.get_by_external_id(kind, external_id)
        if record is None:
            raise not_found(kind, external_id)
        return record.to_json()

    def listing(
        updated_since: str | None = None,
        page: str | None = None,
        limit: int = Query(100, ge=1, le=1000),
        filter: list[str] = Query(default_factory=list),
    ) -> dict[str, Any]:
        since = optional_instant(updated_since)
        where = parse_filters(filter, filters)
        return page_json(
            store.list_changed(kind, updated_since=since, page=page, limit=limit, where=where)
        )

    app.put(f"/{collection}/eid:{{external_id}}")(upsert)
    app.get(f"/{collection}/eid:{{external_id}}")(read)
    app.get(f"/{collection}")(listing)


def add_status_route(
    app: FastAPI,
    store: SandboxStore,
    collection: str,
    kind: str,
    action: str,
    changes: dict[str, Any],
) -> None:
    """`POST /{collection}/eid:{id}/{action}`: set `changes` on an existing record.

    How a system deactivates, closes or withdraws a record without deleting it: 404 when
    there is no such record; repeating it changes nothing (no new version).
    """

    def change(external_id: str) -> dict[str, Any]:
        with store.transaction():
            record = store.get_by_external_id(kind, external_id)
            if record is None:
                raise not_found(kind, external_id)
            return store.update(kind, record.id, record.body | changes).to_json()

    app.post(f"/{collection}/eid:{{external_id}}/{action}")(change)


def parse_filters(items: list[str], allowed: tuple[str, ...]) -> dict[str, Any]:
    """`field:value` filters; `true` / `false` match JSON booleans."""
    where: dict[str, Any] = {}
    for item in items:
        name, _, value = item.partition(":")
        if name not in allowed:
            raise SandboxError(
                400, "INVALID_FILTER", f"cannot filter by {name!r}; allowed: {list(allowed)}"
            )
        where[name] = {"true": 1, "false": 0}.get(value, value)
    return where
