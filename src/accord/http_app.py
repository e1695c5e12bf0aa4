"""The one HTTP entrypoint: the governed API and the dashboard, mounted in one FastAPI app.

`api` and `web` are mounted side by side here, so the API never imports the dashboard."""

from __future__ import annotations

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from accord.api.app import HubView, create_api
from accord.application.governance import Governance
from accord.http.ports import HubPorts
from accord.web.corrections import router as corrections_router
from accord.web.details import router as details_router
from accord.web.einvoices import router as einvoice_router
from accord.web.error_pages import error_page
from accord.web.exception_people import router as exception_people_router
from accord.web.exports import router as exports_router
from accord.web.flows import router as flows_router
from accord.web.forms import same_origin
from accord.web.journals import router as journals_router
from accord.web.login import LoginRequired, dashboard_principal, redirect_to_login
from accord.web.login import router as login_router
from accord.web.pages import STATIC
from accord.web.pages import router as web_router

__all__ = ["HubPorts", "HubView", "create_app", "mount_dashboard"]


def create_app(
    hub: HubView, governance: Governance | None = None, *, ports: HubPorts | None = None
) -> FastAPI:
    """The API around a running hub, with the dashboard and its error pages mounted.

    `governance` defaults to `hub.governance` (keys, audit, idempotency, retention);
    `ports` are the process services the routes call (`accord.bootstrap.process_ports`
    builds a running process's; a test hands its fakes here).
    """
    app = create_api(hub, governance, ports=ports, error_pages=error_page)
    mount_dashboard(app)
    return app


def mount_dashboard(app: FastAPI) -> None:
    """The dashboard's static files, login and pages, each page behind same-origin and a
    signed-in person."""
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    # Same origin first: a cross-site post is refused before any session is looked up.
    app.include_router(login_router, dependencies=[Depends(same_origin)])
    # Before the pages: `/invoices/{number:path}` would otherwise take the downloads too.
    app.include_router(
        einvoice_router, dependencies=[Depends(same_origin), Depends(dashboard_principal)]
    )
    dashboard = (
        exports_router,
        web_router,
        corrections_router,
        details_router,
        exception_people_router,
        flows_router,
        journals_router,
    )
    for pages in dashboard:
        app.include_router(pages, dependencies=[Depends(same_origin), Depends(dashboard_principal)])
    app.add_exception_handler(LoginRequired, redirect_to_login)
