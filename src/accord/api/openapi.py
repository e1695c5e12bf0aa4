"""The OpenAPI 3.1 document: generated from the routes, then completed so that every
operation declares its problem responses (RFC 9457) and its security requirement."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from accord.http.problems import Problem, problem

_ALWAYS = {
    400: "The request is malformed (e.g. an invalid cursor)",
    422: "The request does not validate; `errors` lists each field",
    500: "Unexpected error; quote the correlation id",
}
_AUTHENTICATED = {
    401: "Missing, unknown, expired or revoked credentials",
    403: "The caller's roles do not grant this operation",
}
_IDEMPOTENT = {409: "The first request with this Idempotency-Key is still running"}
_IDEMPOTENCY_HEADER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Same key, same response: a retried POST is answered from the record "
    "of the first one. Keys are scoped to the credential and kept 24 hours.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[!-~]+$"},
}


def _complete(path: str, method: str, operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    wanted = dict(_ALWAYS)
    if not path.startswith("/api/v1/webhooks/"):
        wanted |= _AUTHENTICATED
        if method == "post":
            wanted |= _IDEMPOTENT
            operation.setdefault("parameters", []).append(_IDEMPOTENCY_HEADER)
    else:
        wanted[401] = "Missing, malformed, stale or wrong signature"
    for status, description in wanted.items():
        responses[str(status)] = problem(description)
    for entry in responses.values():
        if "correlation" not in json.dumps(entry.get("headers", {})):
            entry.setdefault("headers", {})["X-Correlation-Id"] = {
                "description": "Ties the response to log lines and audit rows",
                "schema": {"type": "string"},
            }


def build_openapi(app: FastAPI) -> dict[str, Any]:
    document = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
        openapi_version="3.1.0",
    )
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            _complete(path, method, operation)
    return document


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def render(document: dict[str, Any]) -> str:
    """The committed form of the document: stable key order, trailing newline."""
    return json.dumps(document, indent=2, sort_keys=True) + "\n"
