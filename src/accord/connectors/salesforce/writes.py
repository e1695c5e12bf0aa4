"""Writes that never duplicate: upserts by external id, alone or in composite requests.

`PATCH /sobjects/{object}/{external id field}/{value}` creates the record (201) or
updates the one holding that value (204), so a retried, replayed or recovered write
leaves one record. Several upserts that belong together go in one composite request with
`allOrNone: true`: Salesforce applies all of them or none (at most 25 subrequests per
request, so a longer list is sent in chunks of 25, each all-or-none).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from accord.connectors.salesforce.rest import SalesforceSession, describe_errors
from accord.connectors.sdk import RejectedError

COMPOSITE_LIMIT = 25
"""Subrequests Salesforce accepts in one composite request."""


@dataclass(frozen=True)
class Upsert:
    """One upsert of `fields` into `sobject`, keyed by `value` of the external id field."""

    sobject: str
    field: str
    value: str
    fields: Mapping[str, Any]

    @property
    def path(self) -> str:
        return f"/sobjects/{self.sobject}/{self.field}/{quote(self.value, safe='')}"


def upsert_one(session: SalesforceSession, upsert: Upsert) -> bool:
    """Send one upsert; True if Salesforce created the record (201), False if updated."""
    response = session.call("PATCH", upsert.path, json=dict(upsert.fields))
    return response.status_code == 201


def upsert_all(session: SalesforceSession, upserts: Sequence[Upsert]) -> None:
    """Send the upserts in composite requests of at most 25, each all-or-none; a
    `RejectedError` names the subrequest that failed (nothing of its chunk was applied)."""
    for start in range(0, len(upserts), COMPOSITE_LIMIT):
        chunk = upserts[start : start + COMPOSITE_LIMIT]
        body = {
            "allOrNone": True,
            "compositeRequest": [
                {
                    "method": "PATCH",
                    "url": f"{session.base}{upsert.path}",
                    "referenceId": f"r{index}",
                    "body": dict(upsert.fields),
                }
                for index, upsert in enumerate(chunk)
            ],
        }
        answer = session.call("POST", "/composite", json=body).json()
        _raise_on_failure(chunk, answer["compositeResponse"])


def _raise_on_failure(chunk: Sequence[Upsert], results: Sequence[Mapping[str, Any]]) -> None:
    for upsert, result in zip(chunk, results, strict=False):
        status = int(result["httpStatusCode"])
        text = json.dumps(result.get("body"))
        if status >= 400 and "PROCESSING_HALTED" not in text:
            raise RejectedError(
                status,
                text,
                reason=f"Salesforce rejected the upsert of {upsert.sobject} "
                f"{upsert.field}={upsert.value} with HTTP {status}: {describe_errors(text)}; "
                f"nothing of the {len(chunk)} writes sent with it was applied",
            )
