"""The simulator's HTTP API: NetSuite's REST record and SuiteQL shapes, the M2M token
endpoint, the concurrency limit and faults.

Served paths:

- `POST /services/rest/auth/oauth2/v1/token`: client credentials with a JWT
  `client_assertion`, verified against the mapped certificate (`public_key`, by default
  the simulator's own, whose private key is `m2m.SANDBOX_KEY_FILE`)
- `GET|PATCH /services/rest/record/v1/<type>/<id or eid:value>` and
  `PUT .../<type>/eid:<value>` (upsert by external id: 204, `Location` header)
- with `Prefer: respond-async` and `X-NetSuite-Idempotency-Key`, a `PUT` is a job (202,
  `Location` of `/services/rest/async/v1/job/<id>`); the same key again returns the same
  job without running the write twice. `GET .../job/<id>` (`completed`, `progress`),
  `.../job/<id>/task` and `.../task/<id>/result` report it
- `POST /services/rest/query/v1/suiteql?limit=&offset=` (`Prefer: transient` required),
  answering `{links, count, hasMore, items, offset, totalResults}`

Requests signed with token-based authentication (`Authorization: OAuth ...`,
HMAC-SHA256) are verified with oauthlib against `Simulator.tba`; a nonce is accepted
once. A missing or unknown token, or a bad signature, is 401 `INVALID_LOGIN`. More than
`concurrency_limit` requests in flight get 429 `CONCURRENCY_LIMIT_EXCEEDED`. `Faults`
switches on an outage (503), throttling (429, naming no wait, as NetSuite answers),
server errors (500), latency, SuiteQL pages that repeat a row, and SuiteQL without
`ORDER BY` in reverse order; the sandbox's fault plan fits there too (see
`simulators.faults`), read on the account's clock (`Account.now`). Errors carry
NetSuite's body: `{type, title, status, o:errorDetails: [{detail, o:errorCode}]}`.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import parse_qs

import jwt
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from oauthlib.common import Request as OAuthRequest
from oauthlib.oauth1.rfc5849 import signature, utils

from accord.simulators.faults import DUPLICATE, FaultPlan, Faults, delay, refusal, unordered
from accord.simulators.mounting import inner_path, served_at
from accord.simulators.netsuite.account import Account, RecordError
from accord.simulators.netsuite.m2m import SANDBOX_CERTIFICATE_ID, sandbox_public_key
from accord.simulators.serving import request_log

TOKEN_PATH = "/services/rest/auth/oauth2/v1/token"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
RECORDS = "/services/rest/record/v1"
JOBS = "/services/rest/async/v1/job"
SUITEQL = "/services/rest/query/v1/suiteql"
JOB = "job"
"""The store's kind for asynchronous jobs, by idempotency key."""


@dataclass
class Job:
    """One asynchronous request: the write's outcome, and how often it was polled."""

    id: int
    status: int
    body: dict[str, Any] | None
    polls: int = 0


@dataclass(frozen=True)
class TokenCredentials:
    """The integration's consumer and the access token of token-based authentication."""

    realm: str = "1234567"
    consumer_key: str = "consumer-key"
    consumer_secret: str = "consumer-secret"
    token_id: str = "token-id"
    token_secret: str = "token-secret"


@dataclass
class Simulator:
    """An account, its integration's M2M credentials, issued tokens and faults."""

    public_key: str = field(default_factory=sandbox_public_key)
    """PEM of the certificate mapped to the integration (verifies the assertions); by
    default the simulator's own (`m2m`)."""
    client_id: str = "accord-integration"
    certificate_id: str = SANDBOX_CERTIFICATE_ID
    concurrency_limit: int = 5
    clock: Callable[[], float] = time.time
    """Now, in seconds since the epoch: when assertions expire."""
    tba: TokenCredentials = field(default_factory=TokenCredentials)
    nonces: set[str] = field(default_factory=set)
    jobs: dict[str, Job] = field(default_factory=dict)
    """Asynchronous jobs by idempotency key."""
    account: Account = field(default_factory=Account)
    faults: FaultPlan = field(default_factory=lambda: Faults(retry_after=None))
    pending_polls: int = 0
    """Polls a job answers `completed: false` before it reports done."""
    tokens: set[str] = field(default_factory=set)
    log: deque[str] = field(default_factory=request_log)
    in_flight: int = 0
    _ids: itertools.count[int] = field(default_factory=itertools.count)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        """Take up the jobs the account's state holds: an idempotency key answered
        before a restart is answered with the same job after it."""
        for key, job in self.account.state.load(JOB).items():
            self.jobs[key] = Job(**job)

    def expire_tokens(self) -> None:
        """Every issued token becomes invalid (as after its hour)."""
        self.tokens.clear()

    def count(self, record_type: str) -> int:
        return self.account.count(record_type)

    def take_fault(self, path: str) -> int | None:
        """The status of the fault this request meets, if any (counts down)."""
        fault = refusal(self.faults, self.account.now(), path)
        return fault.status if fault else None


def problem(status: int, code: str, detail: str) -> JSONResponse:
    """An error in NetSuite's shape."""
    body = {
        "type": f"https://www.rfc-editor.org/rfc/rfc9110.html#section-15.{status // 100}",
        "title": {400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}.get(status, "Error"),
        "status": status,
        "o:errorDetails": [{"detail": detail, "o:errorCode": code}],
    }
    return JSONResponse(body, status_code=status)


FAULT_CODES = {
    429: "CONCURRENCY_LIMIT_EXCEEDED",
    500: "UNEXPECTED_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


def create_app(simulator: Simulator) -> FastAPI:
    """The FastAPI app serving `simulator` (see the module docs)."""
    app = FastAPI(title="NetSuite simulator")

    @app.middleware("http")
    async def guard(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        simulator.log.append(f"{request.method} {inner_path(request)}")
        fault = simulator.take_fault(inner_path(request))
        if fault is not None:
            return problem(fault, FAULT_CODES.get(fault, FAULT_CODES[500]), "Simulated fault.")
        with simulator._lock:
            if simulator.in_flight >= simulator.concurrency_limit:
                return problem(
                    429, "CONCURRENCY_LIMIT_EXCEEDED", "Concurrent request limit exceeded."
                )
            simulator.in_flight += 1
        try:
            await delay(simulator.faults, simulator.account.now(), inner_path(request))
            if inner_path(request) != TOKEN_PATH and not _authorized(simulator, request):
                return problem(401, "INVALID_LOGIN", "Invalid login attempt.")
            return await call_next(request)
        except RecordError as error:
            return problem(error.status, error.code, error.detail)
        finally:
            with simulator._lock:
                simulator.in_flight -= 1

    @app.post(TOKEN_PATH)
    async def token(request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        reason = _assertion_problem(simulator, form, str(request.url))
        if reason:
            return JSONResponse({"error": "invalid_client", "error_description": reason}, 400)
        issued = f"token-{next(simulator._ids)}"
        simulator.tokens.add(issued)
        return JSONResponse({"access_token": issued, "token_type": "Bearer", "expires_in": 3600})

    @app.get(RECORDS + "/{record_type}/{key:path}")
    def read(record_type: str, key: str) -> Response:
        return JSONResponse(simulator.account.get(record_type, key))

    @app.put(RECORDS + "/{record_type}/{key:path}")
    async def upsert(record_type: str, key: str, request: Request) -> Response:
        if not key.startswith("eid:"):
            return problem(400, "INVALID_PARAMETER", "PUT needs an external id: eid:<value>.")
        body = json.loads(await request.body())
        if "respond-async" in request.headers.get("Prefer", ""):
            job = _queue(
                simulator, request, lambda: simulator.account.upsert(record_type, key[4:], body)
            )
            return Response(
                status_code=202, headers={"Location": f"{served_at(request)}{JOBS}/{job.id}"}
            )
        simulator.account.upsert(record_type, key[4:], body)
        record = simulator.account.get(record_type, key)
        location = f"{served_at(request)}{RECORDS}/{record_type}/{record['id']}"
        return Response(status_code=204, headers={"Location": location})

    @app.patch(RECORDS + "/{record_type}/{key:path}")
    async def patch(record_type: str, key: str, request: Request) -> Response:
        simulator.account.patch(record_type, key, json.loads(await request.body()))
        return Response(status_code=204)

    @app.get(JOBS + "/{job_id}")
    def job(job_id: int) -> Response:
        found = _job(simulator, job_id)
        found.polls += 1
        done = found.polls > simulator.pending_polls
        progress = ("failed" if found.status >= 400 else "succeeded") if done else "pending"
        return JSONResponse({"id": str(job_id), "completed": done, "progress": progress})

    @app.get(JOBS + "/{job_id}/task")
    def tasks(job_id: int) -> Response:
        _job(simulator, job_id)
        return JSONResponse({"items": [{"id": str(job_id)}], "count": 1, "hasMore": False})

    @app.get(JOBS + "/{job_id}/task/{task_id}/result")
    def result(job_id: int, task_id: str) -> Response:
        found = _job(simulator, job_id)
        if found.body is not None:
            return JSONResponse(found.body, status_code=found.status)
        return Response(status_code=found.status)

    @app.post(SUITEQL)
    async def suiteql(request: Request, limit: int = 1000, offset: int = 0) -> Response:
        if "transient" not in request.headers.get("Prefer", ""):
            return problem(400, "INVALID_PARAMETER", "SuiteQL needs the header Prefer: transient.")
        text = json.loads(await request.body())["q"]
        rows = simulator.account.query(text)
        if "ORDER BY" not in text.upper():
            rows = unordered(simulator.faults, simulator.account.now(), SUITEQL, rows)
        return JSONResponse(_page(simulator, rows, str(request.url), min(limit, 1000), offset))

    return app


def _page(
    simulator: Simulator, rows: list[dict[str, Any]], url: str, limit: int, offset: int
) -> dict[str, Any]:
    now = simulator.account.now()
    items = [{"links": [], **row} for row in rows[offset : offset + limit]]
    if simulator.faults.chance(DUPLICATE, now, SUITEQL) and items:
        items.insert(1, items[0])
    has_more = offset + limit < len(rows)
    base = url.split("?")[0]
    links = [{"rel": "self", "href": f"{base}?limit={limit}&offset={offset}"}]
    if has_more:
        links.append({"rel": "next", "href": f"{base}?limit={limit}&offset={offset + limit}"})
    return {
        "links": links,
        "count": len(items),
        "hasMore": has_more,
        "items": items,
        "offset": offset,
        "totalResults": len(rows),
    }


def _queue(simulator: Simulator, request: Request, run: Callable[[], object]) -> Job:
    """The job of this idempotency key: run now the first time, the same job after. A
    crash between the write and the job's record repeats the write on a retry, which
    is harmless: it is an upsert by external id."""
    key = request.headers.get("X-NetSuite-Idempotency-Key", "")
    if not key:
        raise RecordError(
            400, "INVALID_PARAMETER", "Asynchronous requests need X-NetSuite-Idempotency-Key."
        )
    if key in simulator.jobs:
        return simulator.jobs[key]
    try:
        run()
        job = Job(len(simulator.jobs) + 1, 204, None)
    except RecordError as error:
        details = [{"detail": error.detail, "o:errorCode": error.code}]
        job = Job(len(simulator.jobs) + 1, error.status, {"o:errorDetails": details})
    simulator.account.state.put(JOB, key, asdict(job))
    simulator.jobs[key] = job
    return job


def _job(simulator: Simulator, job_id: int) -> Job:
    for job in simulator.jobs.values():
        if job.id == job_id:
            return job
    raise RecordError(404, "NONEXISTENT_ID", f"The job {job_id} does not exist.")


def _authorized(simulator: Simulator, request: Request) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme == "OAuth":
        return _signed(simulator, request.method, _sent_url(request), header)
    return scheme == "Bearer" and token in simulator.tokens


def _sent_url(request: Request) -> str:
    """The URL as the client sent (and signed) it: its path still percent-encoded (an
    external id may hold `:` or `/`), where `request.url` would decode it."""
    raw = request.scope.get("raw_path") or request.url.path.encode()
    query = f"?{request.url.query}" if request.url.query else ""
    return f"{request.url.scheme}://{request.url.netloc}{raw.decode('latin-1')}{query}"


def _signed(simulator: Simulator, method: str, url: str, header: str) -> bool:
    """A token-based authentication signature that checks out, with a fresh nonce."""
    oauth = dict(utils.parse_authorization_header(header))
    credentials = simulator.tba
    if (
        oauth.get("realm") != credentials.realm
        or oauth.get("oauth_consumer_key") != credentials.consumer_key
        or oauth.get("oauth_token") != credentials.token_id
        or oauth.get("oauth_signature_method") != "HMAC-SHA256"
    ):
        return False
    signed = OAuthRequest(url, method, headers={"Authorization": header})
    signed.params = signature.collect_parameters(
        uri_query=signed.uri_query, headers={"Authorization": header}
    )
    signed.signature = utils.unescape(oauth.get("oauth_signature", ""))
    valid = signature.verify_hmac_sha256(
        signed, credentials.consumer_secret, credentials.token_secret
    )
    nonce = oauth.get("oauth_nonce", "")
    with simulator._lock:
        fresh = nonce not in simulator.nonces
        simulator.nonces.add(nonce)
    return bool(valid) and fresh


def _assertion_problem(simulator: Simulator, form: dict[str, str], audience: str) -> str:
    if form.get("grant_type") != "client_credentials":
        return "grant_type must be client_credentials"
    if form.get("client_assertion_type") != ASSERTION_TYPE:
        return f"client_assertion_type must be {ASSERTION_TYPE}"
    assertion = form.get("client_assertion", "")
    try:
        header = jwt.get_unverified_header(assertion)
        if header.get("kid") != simulator.certificate_id:
            return "the certificate id (kid) is not mapped to this integration"
        claims = jwt.decode(
            assertion,
            simulator.public_key,
            algorithms=["PS256", "RS256"],
            audience=audience,
            options={"require": ["exp", "iat", "iss"], "verify_exp": False, "verify_iat": False},
        )
    except jwt.PyJWTError as error:
        return f"invalid client assertion: {error}"
    if float(claims["exp"]) < simulator.clock():
        return "the client assertion has expired"
    if claims.get("iss") != simulator.client_id:
        return "the client id (iss) is not an integration of this account"
    return ""
