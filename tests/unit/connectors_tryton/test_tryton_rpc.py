"""Tryton's JSON-RPC session against a scripted server: login, context, typed values,
re-login, throttling and business errors, without a real Tryton."""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
from decimal import Decimal
from typing import Any

import httpx
import pytest

from accord.connectors.sdk import HttpClient, RejectedError, RetryPolicy, UnavailableError
from accord.connectors.sdk.testing.fakes import FakeClock, FakeSleep
from accord.connectors.tryton.rpc import TrytonRpc, decode, encode

PASSWORD = "s3cret-password"
PREFERENCES = {"company": 1, "language": "en"}


class ScriptedTryton:
    """Answers like trytond: logins hand out numbered tokens; `script` overrides calls."""

    def __init__(self) -> None:
        self.logins = 0
        self.calls: list[dict[str, Any]] = []
        self.script: list[httpx.Response] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.calls.append({**body, "authorization": request.headers.get("Authorization")})
        if body["method"] == "common.db.login":
            self.logins += 1
            return _result(body, [7, f"token-{self.logins}", None])
        if self.script:
            return self.script.pop(0)
        if body["method"] == "model.res.user.get_preferences":
            return _result(body, PREFERENCES)
        return _result(body, {"echo": body["params"]})


def _result(body: dict[str, Any], result: Any) -> httpx.Response:
    return httpx.Response(200, json={"id": body["id"], "result": result})


def _rpc(server: ScriptedTryton, writes_timeout: bool = False) -> tuple[TrytonRpc, FakeSleep]:
    clock = FakeClock()
    sleep = FakeSleep(clock)
    transport = httpx.MockTransport(server)

    def client(retry: RetryPolicy | None) -> HttpClient:
        return HttpClient(
            "http://tryton.test", connector="tryton", retry=retry, transport=transport,
            clock=clock, sleep=sleep,
        )  # fmt: skip

    rpc = TrytonRpc(
        client(None), client(RetryPolicy(max_attempts=1)), database="db", login="accord",
        password=PASSWORD,
    )  # fmt: skip
    return rpc, sleep


def test_typed_values_survive_the_wire() -> None:
    values = [Decimal("150.25"), dt.date(2026, 1, 31), dt.datetime(2026, 1, 31, 9, 30, 5)]
    values.append(dt.timedelta(hours=2, minutes=30))  # type: ignore[arg-type]

    assert decode(json.dumps(encode(values))) == values
    assert encode(Decimal("1.10")) == {"__class__": "Decimal", "decimal": "1.10"}


def test_calls_carry_the_session_and_the_user_preferences_as_context() -> None:
    server = ScriptedTryton()
    rpc, _ = _rpc(server)

    result = rpc.model("party.party", "search", [("code", "=", "C1")], 0, 1, None)

    call = server.calls[-1]
    assert call["method"] == "model.party.party.search"
    assert result["echo"][-1] == PREFERENCES
    assert call["authorization"] == "Session " + base64.b64encode(b"accord:7:token-1").decode()


def test_an_expired_session_logs_in_again_once() -> None:
    server = ScriptedTryton()
    rpc, _ = _rpc(server)
    rpc.login()
    server.script.append(httpx.Response(401, text="<html>Unauthorized</html>"))

    rpc.model("account.invoice", "read", [1], ["state"])

    assert server.logins == 2
    assert server.calls[-1]["authorization"].endswith(
        base64.b64encode(b"accord:7:token-2").decode()
    )


def test_throttling_is_waited_out_as_the_server_asks() -> None:
    server = ScriptedTryton()
    rpc, sleep = _rpc(server)
    rpc.login()
    server.script.append(httpx.Response(429, headers={"Retry-After": "3"}))

    rpc.model("account.invoice", "read", [1], ["state"])

    assert sleep.waits == [3.0]


def test_a_business_error_is_a_rejection_with_trytons_message() -> None:
    server = ScriptedTryton()
    rpc, _ = _rpc(server)
    rpc.login()
    error = ["UserError", ["You must create a period for 01/01/2031.", "", None]]
    server.script.append(httpx.Response(200, json={"id": 3, "error": error}))

    with pytest.raises(RejectedError) as rejected:
        rpc.model("account.invoice", "post", [1])

    assert not rejected.value.retryable
    assert "You must create a period for 01/01/2031." in rejected.value.reason


def test_a_refused_login_says_which_user_and_database_without_the_password() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, text="<html>Unauthorized</html>")

    client = HttpClient(
        "http://tryton.test", connector="tryton", transport=httpx.MockTransport(refuse)
    )
    rpc = TrytonRpc(client, client, database="db", login="accord", password=PASSWORD)

    with pytest.raises(RejectedError) as rejected:
        rpc.login()

    assert "refused the login of user 'accord' on database 'db'" in rejected.value.reason
    assert PASSWORD not in rejected.value.reason


def test_a_create_that_timed_out_is_not_resent() -> None:
    attempts: list[str] = []

    def timeout_on_create(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        attempts.append(body["method"])
        if body["method"].endswith(".create"):
            raise httpx.ReadTimeout("no answer", request=request)
        return ScriptedTryton()(request)

    clock = FakeClock()
    transport = httpx.MockTransport(timeout_on_create)
    reads = HttpClient("http://t.test", connector="tryton", transport=transport, clock=clock,
                       sleep=FakeSleep(clock))  # fmt: skip
    writes = HttpClient("http://t.test", connector="tryton", transport=transport,
                        retry=RetryPolicy(max_attempts=1))  # fmt: skip
    rpc = TrytonRpc(reads, writes, database="db", login="accord", password=PASSWORD)

    with pytest.raises(UnavailableError):
        rpc.model("account.invoice", "create", [{}], retry_safe=False)

    assert attempts.count("model.account.invoice.create") == 1


def test_neither_password_nor_token_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    server = ScriptedTryton()
    rpc, _ = _rpc(server)
    with caplog.at_level(logging.DEBUG):
        rpc.login()
        rpc.model("party.party", "read", [1], ["name"])

    logged = caplog.text + " ".join(str(record.__dict__) for record in caplog.records)
    assert caplog.records, "the client logs each call"
    assert PASSWORD not in logged
    assert "token-1" not in logged
