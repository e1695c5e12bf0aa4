"""Idempotency keys, cursors, upserts, discovery and the error / gateway-failure mapping."""

from __future__ import annotations

import json
from importlib.metadata import EntryPoint

import pytest

from accord.application.gateways import exception_kind_for, is_gateway_failure
from accord.connectors.sdk import (
    ENTRY_POINT_GROUP,
    ConnectorNotFoundError,
    ExternalIdUpsert,
    HttpClient,
    RejectedError,
    ThrottledError,
    UnavailableError,
    decode_cursor,
    discover_connectors,
    encode_cursor,
    idempotency_key,
    load_connector,
)
from accord.connectors.sdk import connector as connector_module
from accord.connectors.sdk.testing import FakeHttpServer
from accord.domain.exceptions import ExceptionKind


def test_idempotency_keys_are_stable_readable_and_distinct() -> None:
    key = idempotency_key("erp", "post-invoice", "DE01", "INV-DE01-000001")

    assert key == idempotency_key("erp", "post-invoice", "DE01", "INV-DE01-000001")
    assert key.startswith("erp:post-invoice:") and len(key.split(":")[2]) == 32
    assert key != idempotency_key("erp", "post-invoice", "DE01", "INV-DE01-000002")
    assert key != idempotency_key("billing", "post-invoice", "DE01", "INV-DE01-000001")
    assert idempotency_key("erp", "x", "a:b", "c") != idempotency_key("erp", "x", "a", "b:c")


def test_an_idempotency_key_does_not_change_between_releases() -> None:
    # Keys are stored by external systems: changing the derivation would duplicate writes.
    assert idempotency_key("erp", "post-invoice", "INV-DE01-000001") == (
        "erp:post-invoice:3cfefa75760e8b615c654e7e82e223e1"
    )


def test_an_idempotency_key_needs_a_business_key() -> None:
    with pytest.raises(ValueError, match="business key"):
        idempotency_key("erp", "post-invoice")


def test_cursors_round_trip_and_equal_positions_give_equal_cursors() -> None:
    cursor = encode_cursor({"updated_since": "2026-01-31T10:00:00Z", "id": 42})

    assert decode_cursor(cursor) == {"updated_since": "2026-01-31T10:00:00Z", "id": 42}
    assert cursor == encode_cursor({"id": 42, "updated_since": "2026-01-31T10:00:00Z"})
    assert json.loads(cursor)["id"] == 42
    assert decode_cursor(None) == {}


def test_a_foreign_cursor_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="not a cursor"):
        decode_cursor(connector_module.Cursor("page=3"))


def test_an_external_id_upsert_puts_by_external_id_with_its_idempotency_key() -> None:
    server = FakeHttpServer()
    client = HttpClient("https://erp.test", connector="erp-test", transport=server)
    upsert = ExternalIdUpsert("erp", "customer", "C 1/x", {"name": "Nordwind AG"})

    upsert.send(client)
    upsert.send(client)

    first, second = server.requests
    assert first.method == "PUT"
    assert first.url.raw_path == b"/customer/eid:C%201%2Fx"
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]
    assert first.headers["Idempotency-Key"] == idempotency_key("erp", "upsert-customer", "C 1/x")
    assert json.loads(first.content) == {"name": "Nordwind AG"}


def test_discovery_finds_connectors_registered_under_the_entry_point_group() -> None:
    factory = "accord.connectors.sdk.connector:CheckResult"
    registered = [
        EntryPoint("sandbox-erp", factory, ENTRY_POINT_GROUP),
        EntryPoint("other", factory, "some.other.group"),
    ]

    factories = discover_connectors(registered)

    assert list(factories) == ["sandbox-erp"]
    with pytest.raises(ConnectorNotFoundError, match="registered: sandbox-erp"):
        load_connector("netsuite", {}, registered)


def test_a_broken_registration_names_the_connector() -> None:
    broken = [EntryPoint("broken", "accord.no_such_module:f", ENTRY_POINT_GROUP)]

    with pytest.raises(ImportError, match="connector 'broken'"):
        discover_connectors(broken)


def test_sdk_errors_map_to_the_business_exceptions_the_hub_raises() -> None:
    rejection = RejectedError(422, "{}", {"detail": "department is mandatory"})
    outage = UnavailableError("erp unreachable")

    assert is_gateway_failure(rejection) and is_gateway_failure(outage)
    assert not is_gateway_failure(ValueError("not from a gateway"))
    assert exception_kind_for(rejection) is ExceptionKind.POSTING_REJECTED
    assert exception_kind_for(outage) is ExceptionKind.SYSTEM_UNAVAILABLE
    assert exception_kind_for(ThrottledError("slow down")) is ExceptionKind.SYSTEM_UNAVAILABLE
    assert rejection.reason == "rejected with HTTP 422: department is mandatory"


def test_the_sdk_posted_document_satisfies_the_application_port_type() -> None:
    from accord.application import gateways
    from accord.connectors.sdk import PostedDocument

    posted: gateways.PostedDocument = PostedDocument("4711", "INV-DE01-000001", "posted")

    assert isinstance(posted, gateways.PostedDocument)
    assert gateways.PORT_FOR_SYSTEM["erp"] == "ErpGateway"
