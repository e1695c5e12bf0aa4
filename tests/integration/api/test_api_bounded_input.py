"""Bounded input over HTTP: a body over its limit is refused before it is read or its
caller authenticated; an event over the event limit is refused, not stored; deeply
nested JSON is a clear 400, never a server error; a batch over the limit is the 413 the
API documents."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import sqlalchemy as sa

from accord.adapters.api_keys import SqlAlchemyApiKeyStore
from accord.adapters.tables import exceptions, inbound_events
from accord.application.security import ApiKeys, ApiKeyStore, Principal, Role
from accord.application.webhooks import sign
from tests.integration.api.conftest import WEBHOOK_SECRET, ApiWorld, customer_event

EVENTS = "/api/v1/events"


def _stored(world: ApiWorld) -> tuple[int, int]:
    """(inbound events, exceptions) in the store."""
    with world.hub.engine.connect() as connection:
        count = sa.select(sa.func.count())
        return (
            int(connection.execute(count.select_from(inbound_events)).scalar_one()),
            int(connection.execute(count.select_from(exceptions)).scalar_one()),
        )


def _problem(response: Any, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    document: dict[str, Any] = response.json()
    assert document["type"].endswith("/" + slug), document
    return document


class RecordingKeys(ApiKeys):
    """The store's API keys, noting every token they are asked to authenticate."""

    def __init__(self, store: ApiKeyStore) -> None:
        super().__init__(store)
        self.tried: list[str] = []

    def authenticate(self, token: str) -> Principal:
        self.tried.append(token)
        return super().authenticate(token)


@pytest.fixture
def authentications(world: ApiWorld) -> list[str]:
    """Every API key the request pipeline tried to authenticate."""
    keys = RecordingKeys(SqlAlchemyApiKeyStore(world.hub.engine))
    world.serve(governance=replace(world.governance, keys=keys))
    return keys.tried


def test_a_declared_oversized_body_is_refused_before_it_is_read_or_authenticated(
    world: ApiWorld, authentications: list[str]
) -> None:
    """Driven at the ASGI level to see that not one byte of the body is asked for."""
    reads: list[str] = []
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        reads.append("read")
        return {"type": "http.request", "body": b"[]", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    token = world.tokens[Role.INTEGRATION].encode()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": EVENTS,
        "raw_path": EVENTS.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/json"),
            (b"content-length", str(10**9).encode()),
            (b"authorization", b"Bearer " + token),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }
    asyncio.run(world.client.app(scope, receive, send))  # type: ignore[arg-type]

    assert sent[0]["status"] == 413
    assert b"payload-too-large" in sent[1]["body"]
    assert reads == [] and authentications == []


def test_a_chunked_oversized_body_is_refused_before_authentication(
    world: ApiWorld, authentications: list[str]
) -> None:
    limit = world.governance.settings.api_max_body_bytes

    def chunks() -> Iterator[bytes]:
        yield b"["
        for n in range(limit // 60_000 + 2):
            event = {**customer_event(f"big-{n}"), "pad": "x" * 60_000}
            yield json.dumps(event).encode() + b","
        yield json.dumps(customer_event("last")).encode() + b"]"

    response = world.client.post(
        EVENTS,
        content=chunks(),
        headers={**world.as_role(Role.INTEGRATION), "Content-Type": "application/json"},
    )

    assert "content-length" not in response.request.headers
    detail = _problem(response, 413, "payload-too-large")["detail"]
    assert f"at most {limit} bytes" in detail
    assert authentications == []
    assert _stored(world) == (0, 0)


def test_an_event_over_the_event_limit_is_refused_and_nothing_is_stored(
    world: ApiWorld,
) -> None:
    big = {**customer_event("big"), "pad": "x" * 300_000}
    response = world.client.post(
        EVENTS, json=[customer_event("fine"), big], headers=world.as_role(Role.INTEGRATION)
    )

    detail = _problem(response, 413, "event-too-large")["detail"]
    assert "event 2" in detail and "262144-byte limit" in detail
    assert "nothing of this batch was stored" in detail
    assert _stored(world) == (0, 0)


def test_a_batch_over_the_limit_is_the_documented_413(world: ApiWorld) -> None:
    events = [customer_event(f"e{n}", f"C{n}") for n in range(1001)]
    response = world.client.post(EVENTS, json=events, headers=world.as_role(Role.INTEGRATION))

    detail = _problem(response, 413, "too-many-events")["detail"]
    assert "at most 1000 events (got 1001)" in detail
    assert _stored(world) == (0, 0)
    documented = world.client.app.openapi()["paths"][EVENTS]["post"]  # type: ignore[attr-defined]
    assert "413" in documented["responses"]
    schema = documented["requestBody"]["content"]["application/json"]["schema"]
    assert schema["maxItems"] == 1000


def _deep(levels: int) -> Any:
    document: Any = "bottom"
    for _ in range(levels):
        document = [document]
    return document


@pytest.mark.parametrize("levels", [65, 5_000, 30_000])
def test_deeply_nested_json_is_a_400_never_a_server_error(world: ApiWorld, levels: int) -> None:
    nested = "[" * levels + "]" * levels
    body = (
        '{"specversion":"1.0","id":"deep","source":"/psa","type":"accord.customer.v1",'
        f'"data":{{"id":"C1","name":"x","country":"DE","extra":{nested}}}}}'
    ).encode()
    headers = {"Content-Type": "application/json"}
    batch = world.client.post(
        EVENTS, content=b"[" + body + b"]", headers={**world.as_role(Role.INTEGRATION), **headers}
    )
    webhook = world.client.post(
        "/api/v1/webhooks/psa",
        content=body,
        headers={
            "Content-Type": "application/cloudevents+json",
            "Accord-Signature": sign(WEBHOOK_SECRET, body, int(time.time())),
        },
    )
    action = world.client.post(
        "/api/v1/exceptions/1/actions",
        content=b'{"action":"skip","note":' + nested.encode() + b"}",
        headers={**world.as_role(Role.ADMIN), **headers},
    )

    for response in (batch, webhook, action):
        detail = _problem(response, 400, "json-too-deep")["detail"]
        assert "deeper than 64 levels" in detail
    assert _stored(world) == (0, 0)


def test_a_document_within_the_nesting_limit_is_taken(world: ApiWorld) -> None:
    event = {**customer_event("nested-ok"), "data": {**customer_event("x")["data"]}}
    event["data"]["name"] = "[[[[ brackets in a string do not nest ]]]]" * 40
    response = world.client.post(EVENTS, json=[event], headers=world.as_role(Role.INTEGRATION))
    assert response.status_code == 202 and response.json()["accepted"] == 1
