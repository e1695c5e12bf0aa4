"""The simulator answers in the shapes Kantata OX documents: every key of a documented
example response (`documented/*.json`, each naming its source page) is in the
simulator's answer to the same call, so the simulator cannot drift unnoticed. A list
indexes its objects by id (`{"workspaces": {"10": {...}}}`); the first documented object
is compared with the first object served."""

from __future__ import annotations

from typing import Any

import httpx

from accord.simulators.kantata import Simulator
from tests.connectors.documented import documented, missing_keys
from tests.connectors.kantata.conftest import BASE_URL, seed_expenses, seed_time, workspace


def by_position(answer: dict[str, Any], resource: str) -> dict[str, Any]:
    """The answer with its id-indexed objects as a list, in `results` order."""
    return answer | {resource: list(answer[resource].values())}


def test_lists_and_errors_hold_every_documented_key(
    simulator: Simulator, transport: httpx.BaseTransport
) -> None:
    seed_time(simulator)(1)
    seed_expenses(simulator)(1)
    workspace(simulator, "PRJ-9", "K9")
    with httpx.Client(transport=transport, base_url=BASE_URL) as client:
        headers = {"Authorization": "Bearer initial-token"}
        answers = {
            resource: client.get(f"/api/v1/{resource}.json", headers=headers).json()
            for resource in ("workspaces", "time_entries", "expenses")
        }
        refused = client.get("/api/v1/workspaces.json", headers={"Authorization": "Bearer x"})

    for name, resource in (
        ("response-format.json", "workspaces"),
        ("time-entries.json", "time_entries"),
        ("expenses.json", "expenses"),
    ):
        example, answer = documented(__file__, name), answers[resource]
        assert missing_keys(by_position(example, resource), by_position(answer, resource)) == [], (
            name
        )
        assert [r["key"] for r in answer["results"]] == [resource] * answer["count"]
    assert refused.status_code == 401
    assert missing_keys(documented(__file__, "errors.json"), refused.json()) == []
    assert refused.json()["errors"][0]["type"] == "oauth"
