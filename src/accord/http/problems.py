"""RFC 9457 problem details: every error the API returns is `application/problem+json`."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope, Send

from accord.application.contention import StoreBusy
from accord.observability.context import business_ids

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://accord.dev/problems/"
log = logging.getLogger("accord.api")


class Problem(BaseModel):
    """An RFC 9457 problem document; `errors` lists field problems of a rejected request."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    correlation_id: str | None = None
    errors: list[dict[str, Any]] | None = None


class ProblemError(Exception):
    """Raise anywhere in a request to answer with a problem document."""

    def __init__(
        self,
        status: int,
        slug: str,
        title: str,
        detail: str,
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.headers = dict(headers or {})
        self.extensions = extensions


def problem_response(
    request: Request | None,
    status: int,
    slug: str,
    title: str,
    detail: str,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    correlation = getattr(request.state, "correlation_id", None) if request else None
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path if request else None,
        "correlation_id": correlation,
        **extensions,
    }
    if correlation:  # a 500 is sent past the middleware that adds the header
        headers = {**(headers or {}), "X-Correlation-Id": str(correlation)}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


async def send_problem(
    scope: Scope, send: Send, status: int, slug: str, title: str, detail: str
) -> None:
    """Answer with a problem document from ASGI middleware, before any route runs."""
    body = json.dumps(
        {
            "type": PROBLEM_BASE + slug,
            "title": title,
            "status": status,
            "detail": detail,
            "instance": scope["path"],
            "correlation_id": scope.get("state", {}).get("correlation_id"),
        },
        separators=(",", ":"),
    ).encode()
    headers = [
        (b"content-type", PROBLEM_JSON.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


_TITLES = {
    400: ("bad-request", "Bad request"),
    401: ("unauthenticated", "Authentication required"),
    403: ("forbidden", "Permission denied"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    409: ("conflict", "Conflict"),
    413: ("payload-too-large", "Payload too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
}


def store_busy_response(request: Request | None, error: StoreBusy) -> JSONResponse:
    """503 with `Retry-After`: the store was busy with another writer; nothing was kept."""
    seconds = error.retry_after_seconds
    return problem_response(
        request,
        503,
        "store-busy",
        "The hub is busy",
        f"the store is busy with other work and nothing was changed; try again in "
        f"{seconds} s (an Idempotency-Key makes the retry safe)",
        {"Retry-After": str(seconds)},
    )


ErrorPages = Callable[[Request, int, str, str, dict[str, str] | None], Response | None]
"""A person's page for an error (status, title, detail, headers), or None for a program."""


def install_problem_handlers(app: FastAPI, pages: ErrorPages | None = None) -> None:
    """Turn every error (ours, routing, validation, unexpected) into a problem document,
    or into `pages`' page when that is for a person (the dashboard's error pages)."""

    def page(
        request: Request, status: int, title: str, detail: str, headers: Mapping[str, str] | None
    ) -> Response | None:
        return None if pages is None else pages(request, status, title, detail, dict(headers or {}))

    @app.exception_handler(StoreBusy)
    async def _busy(request: Request, error: StoreBusy) -> JSONResponse:
        return store_busy_response(request, error)

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, error: ProblemError) -> Response:
        shown = page(request, error.status, error.title, error.detail, error.headers)
        return shown or problem_response(
            request,
            error.status,
            error.slug,
            error.title,
            error.detail,
            error.headers,
            **error.extensions,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> Response:
        slug, title = _TITLES.get(error.status_code, ("http-error", "Request failed"))
        detail = str(error.detail)
        if error.status_code == 404 and detail == "Not Found":
            shown = page(request, 404, title, f"there is no page at {request.url.path}", None)
            detail = f"no resource at {request.url.path}; see /docs for the API's paths"
        else:
            shown = page(request, error.status_code, title, detail, error.headers)
        return shown or problem_response(
            request, error.status_code, slug, title, detail, error.headers
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {"location": ".".join(str(part) for part in item["loc"]), "reason": item["msg"]}
            for item in error.errors()
        ]
        return problem_response(
            request,
            422,
            "invalid-request",
            "The request is not valid",
            "fix the fields listed in `errors` and send it again",
            errors=errors,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> Response:
        if isinstance(error, StoreBusy):  # raised in a middleware, outside the routes
            return store_busy_response(request, error)
        # Answered outside the correlation middleware: bind its id again for this line.
        with business_ids(correlation_id=getattr(request.state, "correlation_id", None)):
            log.exception("unhandled error on %s %s", request.method, request.url.path)
        detail = "the hub could not complete the request; quote the correlation id to an operator"
        correlation = getattr(request.state, "correlation_id", None)
        shown = page(request, 500, "Internal error", detail, {"X-Correlation-Id": str(correlation)})
        return shown or problem_response(request, 500, "internal-error", "Internal error", detail)


def problem(description: str) -> dict[str, Any]:
    """An OpenAPI response entry whose body is a problem document."""
    return {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
