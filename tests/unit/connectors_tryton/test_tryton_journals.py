"""Journal entries as Tryton account moves against a scripted Tryton: Decimal strings on
the wire (never floats), a move found by its entry id is not created again, a closed
period refuses before anything is created."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest

from accord.canonical.v1.finance import LedgerPosting, PostingLine
from accord.connectors.sdk import HttpClient, RejectedError, RetryPolicy
from accord.connectors.tryton.journals import TrytonJournals
from accord.connectors.tryton.rpc import TrytonRpc

KEY = "UK01/2026-01/intercompany_revenue/K1/EUR"


class LedgerTryton:
    """Answers the calls `TrytonJournals` makes; `moves` are the moves it holds."""

    def __init__(self, period_state: str = "open") -> None:
        self.period_state = period_state
        self.moves: list[dict[str, Any]] = []
        self.bodies: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(request.content.decode())
        body = json.loads(request.content)
        method, params = body["method"], body["params"]
        answers = {
            "common.db.login": [7, "token", None],
            "model.res.user.get_preferences": {"company": 1},
            "model.account.move.search_read": self.moves,
            "model.company.company.read": [{"id": 1, "currency.": {"code": "EUR"}}],
            "model.account.journal.search": [5],
            "model.account.period.search_read": [
                {"id": 3, "name": "2026-01", "state": self.period_state}
            ],
            "model.account.account.search_read": [
                {"id": 11, "code": "1300"},
                {"id": 12, "code": "4800"},
            ],
        }
        if method == "model.account.move.create":
            self.moves.append({"id": 42, "description": KEY, "number": None, "state": "draft"})
            answer: Any = [42]
        elif method == "model.account.move.post":
            self.moves[0] |= {"state": "posted", "number": "MOVE-1"}
            answer = None
        elif method == "model.account.move.read":
            answer = [m for m in self.moves if m["id"] in params[0]]
        else:
            answer = answers[method]
        return httpx.Response(200, json={"id": body["id"], "result": answer})

    def created(self) -> list[dict[str, Any]]:
        calls = [json.loads(body) for body in self.bodies]
        return [c for c in calls if c["method"] == "model.account.move.create"]


def _journals(server: LedgerTryton) -> TrytonJournals:
    transport = httpx.MockTransport(server)

    def client(retry: RetryPolicy | None) -> HttpClient:
        return HttpClient("http://tryton.test", connector="tryton", retry=retry,
                          transport=transport)  # fmt: skip

    rpc = TrytonRpc(client(None), client(RetryPolicy(max_attempts=1)), database="db",
                    login="accord", password="pw")  # fmt: skip
    return TrytonJournals(rpc)


def _posting() -> LedgerPosting:
    dims = {"entity": "UK01", "counterparty": "DE01"}
    return LedgerPosting(
        document_number=KEY,
        entity="UK01",
        posting_date=date(2026, 1, 31),
        currency="EUR",
        lines=[
            PostingLine(account="1300", debit=Decimal("880.15"), description="ic", dimensions=dims),
            PostingLine(
                account="4800", credit=Decimal("880.15"), description="ic", dimensions=dims
            ),
        ],
    )


def test_a_move_goes_with_decimal_strings_once_and_is_posted() -> None:
    server = LedgerTryton()
    journals = _journals(server)
    first = journals.post_journal(_posting())
    again = journals.post_journal(_posting())
    assert (first.number, first.status) == ("MOVE-1", "posted") and again == first
    (create,) = server.created()
    (values,) = create["params"][0]
    assert values["description"] == KEY and values["period"] == 3 and values["journal"] == 5
    lines = values["lines"][0][1]
    assert lines[0]["debit"] == {"__class__": "Decimal", "decimal": "880.15"}
    assert lines[1]["credit"] == {"__class__": "Decimal", "decimal": "880.15"}
    assert lines[0]["description"] == "ic counterparty=DE01 entity=UK01"
    assert not any(
        isinstance(v, float) for body in server.bodies for v in _leaves(json.loads(body))
    )
    assert journals.posted_journals([KEY, "other"]) == {KEY: first}


def test_a_closed_period_refuses_the_entry_before_anything_is_created() -> None:
    server = LedgerTryton(period_state="closed")
    with pytest.raises(RejectedError, match="period 2026-01 is closed in Tryton"):
        _journals(server).post_journal(_posting())
    assert not server.created()


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]
