"""Server-rendered dashboard pages (Jinja2); each page renders a read model of the hub."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

STATIC = Path(__file__).parent / "static"
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def overview(request: Request) -> HTMLResponse:
    """The status page: what the event log holds right now."""
    status = request.app.state.hub.status()
    return templates.TemplateResponse(request, "overview.html", {"status": status})
