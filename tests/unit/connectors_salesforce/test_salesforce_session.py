"""The Salesforce session against a scripted server: token refresh, API budget, errors."""

from __future__ import annotations

import json

import httpx
import pytest

from accord.connectors.salesforce.connector import session_from_config
from accord.connectors.salesforce.rest import SalesforceSession, parse_limit_info
from accord.connectors.salesforce.writes import Upsert, upsert_all
from accord.connectors.sdk import RejectedError, ThrottledError
from accord.connectors.sdk.testing import FakeClock, FakeHttpServer, FakeSleep

TOKEN = {"access_token": "T1", "instance_url": "https://acme.test", "token_type": "Bearer"}
OK = {"totalSize": 0, "done": True, "records": []}


def session(server: FakeHttpServer, sleep: FakeSleep, **settings: object) -> SalesforceSession:
    config = {
        "base_url": "https://acme.test",
        "client_id": "app",
        "client_secret": "secret",
        "transport": server,
        "sleep": sleep,
        "clock": sleep.clock,
        **settings,
    }
    return session_from_config(config, "salesforce")


@pytest.fixture
def sleep() -> FakeSleep:
    return FakeSleep(FakeClock())


def usage(used: int, limit: int = 1000) -> dict[str, str]:
    return {"Sforce-Limit-Info": f"api-usage={used}/{limit}"}


def test_the_limit_header_is_read_among_other_entries() -> None:
    parsed = parse_limit_info("api-usage=10018/100000; api-bursts=1/750")

    assert parsed is not None and (parsed.used, parsed.limit) == (10018, 100000)
    assert parse_limit_info("per-app-api-usage=17/250") is None


def test_an_expired_session_fetches_one_new_token_and_repeats_the_call(sleep: FakeSleep) -> None:
    expired = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    server = (
        FakeHttpServer()
        .respond(200, json=TOKEN)
        .respond(200, json=OK)
        .respond(401, json=expired)
        .respond(200, json=TOKEN | {"access_token": "T2"})
        .respond(200, json=OK)
    )
    sf = session(server, sleep)

    sf.call("GET", "/query", params={"q": "SELECT Id FROM Account"})
    sf.call("GET", "/query", params={"q": "SELECT Id FROM Account"})

    assert sf.token_fetches == 2
    assert server.requests[-1].headers["Authorization"] == "Bearer T2"
    token_request = server.requests[0]
    assert token_request.url.path == "/services/oauth2/token"
    assert b"client_secret=secret" in token_request.content
    assert "secret" not in str(token_request.url), "secrets never travel in the URL"


def test_a_token_refused_twice_is_a_rejection_not_a_loop(sleep: FakeSleep) -> None:
    expired = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    server = FakeHttpServer(lambda _: httpx.Response(401, json=expired))
    server.respond(200, json=TOKEN).respond(401, json=expired).respond(200, json=TOKEN)

    with pytest.raises(RejectedError, match="INVALID_SESSION_ID"):
        session(server, sleep).call("GET", "/limits")

    assert len(server.requests) == 4


def test_calls_slow_down_past_the_threshold_and_stop_before_the_limit(sleep: FakeSleep) -> None:
    server = (
        FakeHttpServer()
        .respond(200, json=TOKEN)
        .respond(200, json=OK, headers=usage(500))
        .respond(200, json=OK, headers=usage(850))
        .respond(200, json=OK, headers=usage(960))
    )
    sf = session(server, sleep, slow_down_at=0.8, stop_at=0.95)

    sf.call("GET", "/limits")
    assert sleep.waits == []
    sf.call("GET", "/limits")
    sf.call("GET", "/limits")
    assert sleep.waits == [1.0], "one paced call after usage passed 80 %"

    with pytest.raises(ThrottledError, match="960 of the org's 1000 daily API calls"):
        sf.call("GET", "/limits")
    assert len(server.requests) == 4, "no call is made past the stop threshold"


def test_request_limit_exceeded_is_a_throttle_the_hub_retries_later(sleep: FakeSleep) -> None:
    spent = [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
    server = FakeHttpServer().respond(200, json=TOKEN).respond(403, json=spent)

    with pytest.raises(ThrottledError) as raised:
        session(server, sleep).call("GET", "/limits")

    assert raised.value.retryable and raised.value.retry_after


def test_a_rejection_names_salesforces_error_codes_and_fields(sleep: FakeSleep) -> None:
    invalid = [{"message": "bad value", "errorCode": "INVALID_FIELD", "fields": ["Amount__c"]}]
    server = FakeHttpServer().respond(200, json=TOKEN).respond(400, json=invalid)

    with pytest.raises(RejectedError, match=r"INVALID_FIELD: bad value \(fields: Amount__c\)"):
        session(server, sleep).call("PATCH", "/sobjects/Payment__c/Accord_Id__c/P1", json={})


def test_wrong_client_credentials_say_what_to_check(sleep: FakeSleep) -> None:
    refused = {"error": "invalid_client", "error_description": "invalid client credentials"}
    server = FakeHttpServer().respond(400, json=refused)

    with pytest.raises(RejectedError, match=r"invalid_client.*check client_id, client_secret"):
        session(server, sleep).call("GET", "/limits")


def test_more_than_25_upserts_go_in_composite_requests_of_at_most_25(sleep: FakeSleep) -> None:
    def all_created(request: httpx.Request) -> httpx.Response:
        subrequests = json.loads(request.content)["compositeRequest"]
        results = [
            {"httpStatusCode": 201, "body": {}, "referenceId": sub["referenceId"]}
            for sub in subrequests
        ]
        return httpx.Response(200, json={"compositeResponse": results})

    server = FakeHttpServer(all_created).respond(200, json=TOKEN)
    upserts = [
        Upsert("Invoice__c", "Accord_Id__c", f"INV-{i}", {"Status__c": "paid"}) for i in range(30)
    ]

    upsert_all(session(server, sleep), upserts)

    bodies = [json.loads(r.content) for r in server.requests[1:]]
    assert [len(b["compositeRequest"]) for b in bodies] == [25, 5]
    assert all(b["allOrNone"] for b in bodies)
    assert bodies[1]["compositeRequest"][0]["url"] == (
        "/services/data/v62.0/sobjects/Invoice__c/Accord_Id__c/INV-25"
    )
