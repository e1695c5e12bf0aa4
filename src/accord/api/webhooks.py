"""Inbound webhooks: signed CloudEvents from connected systems, logged before acknowledged.

Checks, in order: body size and JSON nesting (413 and 400, by `BodyLimitMiddleware`
before the route runs), content type (415), the event within the log's bounds (413 too
large, 422 nested too deeply), known source (404), signature and its age (401), the
event's CloudEvent `source` belongs to the webhook's source (403), replay of a seen
signature (409). A verified event is appended to the inbound event log in one
committed transaction, and only then answered 202; the same event delivered again
(newly signed) is answered 202 `duplicate` and logged once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Header, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from accord.api.models import WebhookAccepted
from accord.application.ingest import IngestService
from accord.application.ports import InboundEvent
from accord.application.webhooks import (
    SIGNATURE_HEADER,
    Rejection,
    WebhookRejected,
    source_belongs_to,
    verify_signature,
)
from accord.http.problems import ProblemError, problem
from accord.http.security.auth import governance_of

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])
CONTENT_TYPES = ("application/cloudevents+json", "application/json")
_REQUEST_BODY = {
    "required": True,
    "content": {
        media: {"schema": {"type": "object", "description": "a CloudEvent, structured mode"}}
        for media in CONTENT_TYPES
    },
}


def _check_content_type(request: Request) -> None:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in CONTENT_TYPES:
        raise ProblemError(
            415,
            "unsupported-media-type",
            "Unsupported media type",
            f"send the event as {' or '.join(CONTENT_TYPES)} (got '{media or 'none'}')",
        )


def _check_bounds(ingest: IngestService, body: bytes) -> None:
    for refusal in ingest.refusals([body]):
        if refusal.too_large:
            raise ProblemError(413, "payload-too-large", "Payload too large", refusal.reason)
        raise ProblemError(422, "event-too-deep", "Event nested too deeply", refusal.reason)


def _rejected(error: WebhookRejected) -> ProblemError:
    if error.rejection is Rejection.REPLAYED:
        return ProblemError(409, error.rejection.value, "Replayed request", error.detail)
    return ProblemError(
        401,
        error.rejection.value,
        "Webhook signature rejected",
        error.detail,
        headers={"WWW-Authenticate": f'{SIGNATURE_HEADER} realm="accord-webhooks"'},
    )


@router.post(
    "/{source}",
    status_code=202,
    operation_id="receive_webhook",
    response_model=WebhookAccepted,
    summary="Receive a signed CloudEvent from a connected system",
    openapi_extra={"requestBody": _REQUEST_BODY},
    responses={
        403: problem("The event's CloudEvent source does not belong to this webhook source"),
        404: problem("No webhook secret is configured for this source"),
        409: problem("This exact signed request was received before (a replay)"),
        400: problem("The JSON body nests deeper than 64 levels"),
        413: problem("The body exceeds the size limit"),
        415: problem("The body is not a JSON CloudEvent"),
        422: problem("The event is invalid (logged as quarantined) or nested too deeply"),
    },
)
async def receive_webhook(
    request: Request,
    source: Annotated[str, Path(max_length=100, pattern=r"^[a-z0-9][a-z0-9_-]*$")],
    signature: Annotated[
        str | None,
        Header(alias=SIGNATURE_HEADER, description="t=<unix seconds>,v1=<hex HMAC-SHA256>"),
    ] = None,
) -> JSONResponse:
    governance = governance_of(request)
    settings = governance.settings
    _check_content_type(request)
    body = await request.body()
    ingest: IngestService = request.app.state.hub.ingest
    _check_bounds(ingest, body)
    secret = governance.webhook_secrets.secret_for(source)
    if secret is None:
        raise ProblemError(
            404,
            "unknown-source",
            "Unknown webhook source",
            f"no webhook secret is configured for '{source}' (ACCORD_WEBHOOK_SECRETS)",
        )
    now = datetime.now(UTC)
    try:
        matched = verify_signature(secret, signature, body, now, settings.webhook_tolerance)
    except WebhookRejected as error:
        raise _rejected(error) from None
    event = ingest.parse(body)
    if event.reason is None and not source_belongs_to(event.source, source):
        raise ProblemError(
            403,
            Rejection.SOURCE_MISMATCH.value,
            "Event source does not match the webhook",
            f"the event's CloudEvent source '{event.source}' does not belong to the webhook "
            f"source '{source}'; post it to that system's own webhook, signed with its secret",
        )
    if not await run_in_threadpool(governance.replay_guard.first_seen, source, matched, now):
        raise _rejected(
            WebhookRejected(
                Rejection.REPLAYED,
                "this signed request was already received; a retry must be signed anew",
            )
        )
    try:
        return await _log(ingest, event, body)
    except BaseException:
        await run_in_threadpool(governance.replay_guard.forget, source, matched)
        raise


async def _log(ingest: IngestService, event: InboundEvent, body: bytes) -> JSONResponse:
    report = await run_in_threadpool(ingest.ingest_batch, [body])
    if event.reason is not None:
        raise ProblemError(
            422,
            "invalid-event",
            "Invalid event",
            f"the event was logged as quarantined and an invalid_event exception raised: "
            f"{event.reason}",
            event_id=event.event_id,
        )
    status = "logged" if report.accepted else "duplicate"
    accepted = WebhookAccepted(status=status, source=event.source, event_id=event.event_id)
    return JSONResponse(accepted.model_dump(), status_code=202)
