"""Asynchronous writes: `Prefer: respond-async` with `X-NetSuite-Idempotency-Key`.

With `async_writes` set, an upsert is queued by NetSuite (202 with the job's
`Location`) instead of run while the call waits, which long documents need to stay
clear of request timeouts. The request key (`async_request_key`) is a UUID derived from
the record type, external id and body: a retry of the same write within NetSuite's
idempotency window returns the first job instead of queueing a second, while a changed
body is a new write. The connector polls `GET /services/rest/async/v1/job/<id>` (backing off, at
most `max_polls` times) until the job is `completed`; a failed job's task result is
raised as a `RejectedError` with NetSuite's reason.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlparse

from accord.connectors.netsuite.rest import NetSuiteSession, describe_errors, eid_path
from accord.connectors.sdk import RejectedError, UnavailableError

ASYNC_REQUEST_KEY_HEADER = "X-NetSuite-Idempotency-Key"
NAMESPACE = uuid.UUID("6f1d3a52-2b0e-4f7c-9a51-6d3c8e0b9f21")


def async_request_key(record_type: str, external_id: str, body: Mapping[str, Any]) -> str:
    """The `X-NetSuite-Idempotency-Key` of one asynchronous request: the same UUID for the
    same write, another for a changed body. Unlike the SDK's `idempotency_key` (one key
    per business write) it covers the body, as NetSuite replays a queued job by it."""
    text = json.dumps(body, sort_keys=True, default=str)
    return str(uuid.uuid5(NAMESPACE, f"{record_type}\n{external_id}\n{text}"))


def write(
    session: NetSuiteSession, record_type: str, external_id: str, body: Mapping[str, Any]
) -> None:
    """Upsert by external id: queued as a job under `async_writes`, else synchronously."""
    if session.async_writes:
        upsert_async(session, record_type, external_id, body, session.sleep)
    else:
        session.upsert(record_type, external_id, body)


def upsert_async(
    session: NetSuiteSession,
    record_type: str,
    external_id: str,
    body: Mapping[str, Any],
    sleep: Callable[[float], None],
    max_polls: int = 30,
) -> None:
    """Queue the upsert and wait for its job (see the module docs)."""
    headers = {
        "Prefer": "respond-async",
        ASYNC_REQUEST_KEY_HEADER: async_request_key(record_type, external_id, body),
    }
    response = session.call(
        "PUT", eid_path(record_type, external_id), json=dict(body), headers=headers
    )
    job = urlparse(response.headers["Location"]).path
    for attempt in range(max_polls):
        state = session.call("GET", job).json()
        if state.get("completed"):
            if state.get("progress") == "failed":
                raise _failure(session, job)
            return
        sleep(min(0.5 * 2**attempt, 10.0))
    raise UnavailableError(
        f"NetSuite has not finished the {record_type} {external_id} job {job} after "
        f"{max_polls} polls; the next attempt finds it by its idempotency key"
    )


def _failure(session: NetSuiteSession, job: str) -> RejectedError:
    tasks = session.call("GET", f"{job}/task").json().get("items") or [{}]
    try:
        result = session.call("GET", f"{job}/task/{tasks[0].get('id')}/result")
    except RejectedError as error:
        return error
    return RejectedError(
        result.status_code,
        result.text,
        reason=f"NetSuite's job {job} failed: {describe_errors(result.text)}",
    )
