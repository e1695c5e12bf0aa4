"""The simulator's HTTP API: Salesforce's REST shapes, OAuth token endpoint, limits, faults.

Served paths (all under `/services/data/v<version>/` but the token endpoint):

- `POST /services/oauth2/token` (client credentials or JWT bearer, form-encoded)
- `GET query?q=SOQL` and `GET query/<locator>` (batches of `Sforce-Query-Options:
  batchSize=N`, default 2000, with `nextRecordsUrl`)
- `GET|PATCH sobjects/<object>/<field>/<value>` (read or upsert by external id: 201 / 204)
- `PATCH sobjects/<object>/<id>`, `POST composite` (`allOrNone`, at most 25 subrequests)
- `GET limits`

Every API answer carries `Sforce-Limit-Info: api-usage=N/M`; past M calls every call is
403 `REQUEST_LIMIT_EXCEEDED`. A missing, unknown or expired token is 401
`INVALID_SESSION_ID`. `Faults` switches on an outage (503), throttling (429 with
`Retry-After`), server errors (500), latency, query batches that repeat the previous
batch's last record, and queries without `ORDER BY` in reverse order; the sandbox's
fault plan fits there too (see `simulators.faults`), read on the org's clock. At most
`OPEN_CURSORS` query cursors stay open: a new one releases the oldest.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import jwt
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from accord.simulators.faults import DUPLICATE, FaultPlan, Faults, delay, refusal, unordered
from accord.simulators.mounting import inner_path, served_at
from accord.simulators.salesforce.org import Org, OrgError, attributes
from accord.simulators.salesforce.soql import MalformedQuery, parse
from accord.simulators.serving import request_log

COMPOSITE_LIMIT = 25
JWT_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
DAY_SECONDS = 86_400.0
FAULT_ERRORS = {
    429: ("REQUEST_LIMIT_EXCEEDED", "Too many requests"),
    500: ("UNKNOWN_EXCEPTION", "An unexpected error occurred"),
    503: ("SERVER_UNAVAILABLE", "Salesforce is down for maintenance"),
}
OPEN_CURSORS = 10
"""Query cursors a user may hold open; opening another releases the oldest."""
HALTED = "The transaction was rolled back since another operation in the same transaction failed."


@dataclass
class Simulator:
    """An org, its connected app's credentials, issued tokens, usage and faults."""

    client_id: str = "accord-app"
    client_secret: str = "s3cret"
    jwt_public_key: str | None = None
    """PEM of the certificate's public key uploaded to the connected app (JWT bearer)."""
    login_url: str = "https://login.salesforce.com"
    daily_limit: int = 100_000
    org: Org = field(default_factory=Org)
    faults: FaultPlan = field(default_factory=Faults)
    used: int = 0
    clock: Callable[[], float] = time.time
    """Now, in seconds: when the count of API calls starts over (see `take_call`)."""
    window_opened: float | None = None
    log: deque[str] = field(default_factory=request_log)
    """`METHOD path` of every request received, oldest first."""
    tokens: set[str] = field(default_factory=set)
    cursors: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=itertools.count)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def expire_tokens(self) -> None:
        """Every issued token becomes invalid (as a session timeout or revocation does)."""
        self.tokens.clear()

    def count(self, sobject: str) -> int:
        return len(self.org.records.get(sobject, {}))

    def take_fault(self, path: str) -> JSONResponse | None:
        """The fault answer for this request, if a fault hits it (one of its count used)."""
        fault = refusal(self.faults, self.org.moment(), path)
        if fault is None:
            return None
        code, message = FAULT_ERRORS.get(fault.status, FAULT_ERRORS[500])
        return _error(fault.status, code, message, **fault.headers)

    def __post_init__(self) -> None:
        if self.window_opened is None:
            self.window_opened = self.clock()

    def take_call(self) -> bool:
        """Count one API call against the daily limit; False once it is spent. The count
        starts over a day after its window opened (Salesforce counts over a rolling 24
        hours), so a simulator serving for days is not locked out for good."""
        with self._lock:
            now = self.clock()
            if self.window_opened is None or now - self.window_opened >= DAY_SECONDS:
                self.window_opened, self.used = now, 0
            if self.used >= self.daily_limit:
                return False
            self.used += 1
            return True

    def keep_cursor(self, locator: str, records: list[dict[str, Any]]) -> None:
        """Hold a query's records for its `nextRecordsUrl`. As in Salesforce, a user has
        at most `OPEN_CURSORS` open: the oldest is released (its locator then answers
        INVALID_QUERY_LOCATOR), so a simulator serving for days holds a bounded few."""
        with self._lock:
            self.cursors[locator] = records
            while len(self.cursors) > OPEN_CURSORS:
                del self.cursors[next(iter(self.cursors))]

    def next_id(self) -> int:
        with self._lock:
            return next(self._ids)


def _error(status: int, code: str, message: str, **headers: str) -> JSONResponse:
    body = [{"message": message, "errorCode": code, "fields": []}]
    return JSONResponse(body, status_code=status, headers=headers or None)


def create_app(simulator: Simulator | None = None) -> FastAPI:
    """The simulator as an ASGI app; `app.state.simulator` is its state and knobs."""
    sim = simulator or Simulator()
    app = FastAPI(title="Salesforce simulator")
    app.state.simulator = sim
    app.middleware("http")(_guard(sim))
    app.exception_handler(OrgError)(_org_error)
    app.exception_handler(MalformedQuery)(_malformed)
    _token_route(app, sim)
    _query_routes(app, sim)
    _sobject_routes(app, sim)
    return app


async def _org_error(_: Request, error: Exception) -> Response:
    assert isinstance(error, OrgError)
    return JSONResponse(error.body, status_code=error.status)


async def _malformed(_: Request, error: Exception) -> Response:
    return _error(400, "MALFORMED_QUERY", str(error))


Next = Callable[[Request], Awaitable[Response]]


def _guard(sim: Simulator) -> Callable[[Request, Next], Awaitable[Response]]:
    async def guard(request: Request, call_next: Next) -> Response:
        sim.log.append(f"{request.method} {inner_path(request)}")
        await delay(sim.faults, sim.org.moment(), inner_path(request))
        fault = sim.take_fault(inner_path(request))
        if fault is not None:
            return fault
        if not inner_path(request).startswith("/services/data/"):
            return await call_next(request)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in sim.tokens:
            return _error(401, "INVALID_SESSION_ID", "Session expired or invalid")
        if not sim.take_call():
            message = f"TotalRequests Limit exceeded. ({sim.used}/{sim.daily_limit})"
            return _error(403, "REQUEST_LIMIT_EXCEEDED", message)
        response = await call_next(request)
        response.headers["Sforce-Limit-Info"] = f"api-usage={sim.used}/{sim.daily_limit}"
        return response

    return guard


def _token_route(app: FastAPI, sim: Simulator) -> None:
    @app.post("/services/oauth2/token")
    async def token(request: Request) -> JSONResponse:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        refusal = _refusal(sim, form)
        if refusal is not None:
            error, description = refusal
            body = {"error": error, "error_description": description}
            return JSONResponse(body, status_code=400)
        issued = f"00D000000000001!sim{sim.next_id():08d}"
        sim.tokens.add(issued)
        base = served_at(request)
        return JSONResponse(
            {
                "access_token": issued,
                "instance_url": base,
                "token_type": "Bearer",
                "issued_at": str(int(time.time() * 1000)),
                "id": f"{base}/id/00D/005",
            }
        )


def _refusal(sim: Simulator, form: dict[str, str]) -> tuple[str, str] | None:
    """Why a token request is refused (OAuth error and description), or None."""
    grant = form.get("grant_type")
    if grant == "client_credentials":
        if (form.get("client_id"), form.get("client_secret")) != (sim.client_id, sim.client_secret):
            return "invalid_client", "invalid client credentials"
        return None
    if grant == JWT_GRANT_TYPE and sim.jwt_public_key is not None:
        try:
            jwt.decode(
                form.get("assertion", ""),
                sim.jwt_public_key,
                algorithms=["RS256"],
                audience=sim.login_url,
                issuer=sim.client_id,
                options={"require": ["exp", "sub"]},
            )
        except jwt.PyJWTError as error:
            return "invalid_grant", f"invalid assertion: {error}"
        return None
    return "unsupported_grant_type", "grant type not supported"


def _query_routes(app: FastAPI, sim: Simulator) -> None:
    @app.get("/services/data/{version}/query")
    def query(version: str, q: str, request: Request) -> dict[str, Any]:
        records = sim.org.query(q)
        if not parse(q).order:
            records = unordered(sim.faults, sim.org.moment(), inner_path(request), records)
        return _batch(sim, version, records, _batch_size(request), 0)

    @app.get("/services/data/{version}/query/{locator}")
    def more(version: str, locator: str, request: Request) -> Any:
        locator_id, _, offset = locator.partition("-")
        records = sim.cursors.get(locator_id)
        if records is None or not offset.isdigit():
            return _error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return _batch(sim, version, records, _batch_size(request), int(offset), locator_id)

    @app.get("/services/data/{version}/limits")
    def limits() -> dict[str, Any]:
        return {
            "DailyApiRequests": {"Max": sim.daily_limit, "Remaining": sim.daily_limit - sim.used}
        }


def _batch_size(request: Request) -> int:
    options = request.headers.get("Sforce-Query-Options", "")
    for option in options.split(","):
        name, _, value = option.strip().partition("=")
        if name == "batchSize" and value.isdigit():
            return max(1, int(value))
    return 2000


def _batch(
    sim: Simulator,
    version: str,
    records: list[dict[str, Any]],
    size: int,
    offset: int,
    locator: str | None = None,
) -> dict[str, Any]:
    path = f"/services/data/{version}/query"
    duplicates = sim.faults.chance(DUPLICATE, sim.org.moment(), path)
    start = max(0, offset - 1) if duplicates and offset else offset
    chunk = records[start : offset + size]
    body: dict[str, Any] = {
        "totalSize": len(records),
        "done": offset + size >= len(records),
        "records": chunk,
    }
    if not body["done"]:
        locator = locator or str(sim.next_id())
        sim.keep_cursor(locator, records)
        body["nextRecordsUrl"] = f"/services/data/{version}/query/{locator}-{offset + size}"
    return body


def _sobject_routes(app: FastAPI, sim: Simulator) -> None:
    @app.patch("/services/data/{version}/sobjects/{sobject}/{key}/{value}")
    async def upsert(sobject: str, key: str, value: str, request: Request) -> Response:
        return _upsert(sim, sobject, key, value, await request.json())

    @app.get("/services/data/{version}/sobjects/{sobject}/{key}/{value}")
    def read(sobject: str, key: str, value: str) -> Any:
        record = sim.org.find(sobject, key, value)
        if record is None:
            return _error(404, "NOT_FOUND", "The requested resource does not exist")
        return {**attributes(sobject, record), **record}

    @app.patch("/services/data/{version}/sobjects/{sobject}/{record_id}")
    async def update(sobject: str, record_id: str, request: Request) -> Response:
        sim.org.update(sobject, record_id, await request.json())
        return Response(status_code=204)

    @app.post("/services/data/{version}/composite")
    async def composite(version: str, request: Request) -> Any:
        body = await request.json()
        subrequests = body.get("compositeRequest", [])
        if len(subrequests) > COMPOSITE_LIMIT:
            message = f"Limit exceeded: {len(subrequests)} subrequests, at most 25"
            return _error(400, "INVALID_BATCH_REQUEST", message)
        return {"compositeResponse": _run_composite(sim, version, subrequests, body)}


def _upsert(sim: Simulator, sobject: str, key: str, value: str, body: Any) -> Response:
    record_id, created = sim.org.upsert(sobject, key, value, body)
    if not created:
        return Response(status_code=204)
    answer = {"id": record_id, "success": True, "errors": [], "created": True}
    return JSONResponse(answer, status_code=201)


def _run_composite(
    sim: Simulator, version: str, subrequests: list[dict[str, Any]], body: dict[str, Any]
) -> list[dict[str, Any]]:
    """Each subrequest in order; with `allOrNone` one failure rolls every one back."""
    results: list[dict[str, Any]] = []
    prefix = f"/services/data/{version}/sobjects/"
    failed = False
    try:
        with sim.org.all_or_none():
            for sub in subrequests:
                parts = str(sub.get("url", "")).removeprefix(prefix).split("/")
                try:
                    if sub.get("method") != "PATCH" or len(parts) != 3:
                        raise OrgError(400, "METHOD_NOT_ALLOWED", "the simulator runs upserts only")
                    response = _upsert(sim, parts[0], parts[1], parts[2], sub.get("body", {}))
                    answer = json.loads(bytes(response.body)) if response.body else None
                    results.append(_sub(sub, response.status_code, answer))
                except OrgError as error:
                    failed = True
                    results.append(_sub(sub, error.status, error.body))
            if failed and body.get("allOrNone"):
                raise _RolledBack
    except _RolledBack:
        return [
            r
            if r["httpStatusCode"] >= 400
            else _sub(r, 400, [{"errorCode": "PROCESSING_HALTED", "message": HALTED}])
            for r in results
        ]
    return results


class _RolledBack(Exception):
    """Raised inside `all_or_none` to undo a composite request's writes."""


def _sub(sub: dict[str, Any], status: int, body: Any) -> dict[str, Any]:
    return {
        "body": body,
        "httpHeaders": {},
        "httpStatusCode": status,
        "referenceId": sub.get("referenceId"),
    }
