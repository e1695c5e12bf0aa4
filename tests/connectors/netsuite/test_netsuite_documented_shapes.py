"""The simulator answers in the shapes NetSuite documents: every key of a documented
example (`documented/*.json`, each naming its source page) is in the simulator's answer
to the same kind of call, so the simulator cannot drift unnoticed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from accord.connectors.netsuite.simulator import Simulator
from tests.connectors.netsuite.conftest import BASE_URL
from tests.connectors.netsuite.test_netsuite_contract import payment_body

DOCUMENTED = Path(__file__).parent / "documented"
SUITEQL = "/services/rest/query/v1/suiteql"


def documented(name: str) -> dict[str, Any]:
    example: dict[str, Any] = json.loads((DOCUMENTED / name).read_text())
    example.pop("_source")
    return example


def missing_keys(example: Any, actual: Any, where: str = "") -> list[str]:
    """Keys of `example` (recursively; a list by its first element) absent in `actual`."""
    if isinstance(example, dict):
        if not isinstance(actual, dict):
            return [f"{where or '(top)'}: not an object"]
        found = [f"{where}.{key}" for key in example if key not in actual]
        for key in example.keys() & actual.keys():
            found += missing_keys(example[key], actual[key], f"{where}.{key}")
        return found
    if isinstance(example, list) and example:
        if not isinstance(actual, list) or not actual:
            return [f"{where}: not a non-empty list"]
        return missing_keys(example[0], actual[0], f"{where}[0]")
    return []


def test_suiteql_pages_and_errors_have_the_documented_shapes(
    simulator: Simulator, transport: httpx.BaseTransport
) -> None:
    for n in range(3):
        simulator.account.upsert("customerPayment", f"PAY-{n}", payment_body())
    simulator.tokens.add("token")
    with httpx.Client(base_url=BASE_URL, transport=transport) as client:
        page = client.post(
            SUITEQL,
            params={"limit": 2, "offset": 0},
            json={"q": "SELECT id FROM transaction ORDER BY id"},
            headers={"Authorization": "Bearer token", "Prefer": "transient"},
        )
        refused = client.post(SUITEQL, json={"q": "SELECT id FROM transaction"})

    assert page.status_code == 200
    assert missing_keys(documented("suiteql.json"), page.json()) == []
    assert page.json()["hasMore"] is True
    assert refused.status_code == 401
    assert missing_keys(documented("error.json"), refused.json()) == []
