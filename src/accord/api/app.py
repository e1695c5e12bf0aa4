"""The governed API: health, the versioned routes, their middleware and problem documents.

The dashboard is not mounted here: `accord.http_app` mounts both, so neither imports the
other."""

from __future__ import annotations

from typing import Any, Protocol

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline

from accord.api import (
    corrections,
    einvoices,
    exception_people,
    experience,
    journals,
    periods,
    process,
    system,
    webhooks,
)
from accord.api import governance as governance_routes
from accord.api import metrics as metrics_routes
from accord.api.body_limit import BodyLimitMiddleware, BodyLimits
from accord.api.idempotency import IdempotencyMiddleware
from accord.api.openapi import install_openapi
from accord.application.governance import Governance
from accord.http.correlation import CorrelationMiddleware
from accord.http.ports import HubPorts
from accord.http.problems import ErrorPages, install_problem_handlers
from accord.http.security.oidc import OidcVerifier
from accord.http.security.redaction import install_redaction

DESCRIPTION = """Governed API of the Accord hub.

* **system** — canonical records per kind, and a CloudEvents write path;
* **process** — start invoice runs and flows, inspect their runs;
* **experience** — the dashboard's views: exceptions and actions, reconciliation,
  leakage, lineage, KPIs, and each document as an EN 16931 e-invoice (UBL or CII);
* **governance** — API keys, audit trail, legal holds, retention;
* **webhooks** — signed events from connected systems.

Authenticate with `Authorization: Bearer <API key or OIDC token>`. Errors are RFC 9457
problem documents. POST accepts `Idempotency-Key`. Lists page with `cursor`/`next_cursor`.
A request body over its limit is a 413 (before it is read or its caller authenticated);
a JSON body nested deeper than 64 levels is a 400.
"""


class HubView(Protocol):
    """What the HTTP layer needs from a running hub.

    Also read when present: `ingest` (IngestService), `unit_of_work()`, `reading()`,
    `exceptions(...)` and `criticality`. The process services (flows, reports, journals...)
    are not the hub's: the app factory takes them as `HubPorts`.
    """

    def status(self) -> Any: ...


def _body_limits(governance: Governance) -> BodyLimits:
    settings = governance.settings
    return BodyLimits(api=settings.api_max_body_bytes, webhooks=settings.webhook_max_bytes)


def create_api(
    hub: HubView,
    governance: Governance | None = None,
    *,
    ports: HubPorts | None = None,
    error_pages: ErrorPages | None = None,
) -> FastAPI:
    """Build the API around a running hub; routes read from it, never from globals.

    `governance` defaults to `hub.governance` (keys, audit, idempotency, retention);
    `ports` are the process services the routes call (default: none, each such route
    answers 503); `error_pages` renders an error for a person (the dashboard's), else
    every error is a problem document.
    """
    wired = governance or getattr(hub, "governance", None)
    if wired is None:
        raise ValueError(
            "the API needs governance services: pass governance= or give the hub a "
            "`governance` attribute (accord.adapters.governance.build_sql_governance)"
        )
    # Swagger UI (/docs) and ReDoc (/redoc) from assets the package ships: no CDN.
    app = FastAPIOffline(
        title="Accord",
        version="1.0.0",
        summary="Contract-to-cash integration hub for professional-services firms",
        description=DESCRIPTION,
    )
    app.state.hub = hub
    app.state.ports = ports or HubPorts()
    app.state.governance = wired
    oidc = wired.settings.oidc
    app.state.oidc = OidcVerifier(oidc) if oidc is not None else None
    install_redaction()
    install_problem_handlers(app, error_pages)
    app.add_middleware(IdempotencyMiddleware, store=lambda: wired.idempotency)
    # Outside idempotency and every route: a body is bounded before anything reads it.
    app.add_middleware(BodyLimitMiddleware, limits=lambda: _body_limits(wired))
    app.add_middleware(CorrelationMiddleware)

    @app.get("/healthz", tags=["operations"], include_in_schema=False)
    def healthz() -> JSONResponse:
        """Liveness and store reachability; 503 when the store cannot be read."""
        try:
            hub.status()
        except Exception as error:  # the probe reports any store failure as unhealthy
            return JSONResponse({"status": "unhealthy", "reason": str(error)}, status_code=503)
        return JSONResponse({"status": "ok"})

    for router in (
        system.router,
        process.router,
        corrections.router,
        periods.router,
        experience.router,
        exception_people.router,
        einvoices.router,
        journals.router,
        governance_routes.router,
        webhooks.router,
    ):
        app.include_router(router)
    install_openapi(app)
    app.include_router(metrics_routes.router)
    return app
