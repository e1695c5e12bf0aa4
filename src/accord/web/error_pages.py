"""HTML error pages for the dashboard: a person who follows a stale link, opens another
team's exception or meets a server error gets a page with the dashboard's navigation
and the correlation id to quote. API routes keep answering with problem documents."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import Response

_templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
NOT_DASHBOARD = ("/api/", "/healthz", "/metrics", "/openapi.json", "/static", "/docs", "/redoc")
"""Paths a program reads: their errors stay problem+json whatever the client accepts."""


def wants_page(request: Request) -> bool:
    """Whether an error on this request is for a person: a browser (it accepts HTML)
    on a dashboard path."""
    if request.url.path.startswith(NOT_DASHBOARD):
        return False
    return "text/html" in request.headers.get("accept", "")


def error_page(
    request: Request, status: int, title: str, detail: str, headers: dict[str, str] | None = None
) -> Response | None:
    """The dashboard's page for an error, or None when the caller is a program."""
    if not wants_page(request):
        return None
    correlation = getattr(request.state, "correlation_id", None)
    context = {"status": status, "title": title, "detail": detail, "correlation": correlation}
    return _templates.TemplateResponse(
        request, "error.html", context, status_code=status, headers=headers
    )
