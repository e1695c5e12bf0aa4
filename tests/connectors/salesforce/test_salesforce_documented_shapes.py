"""The simulator answers in the shapes Salesforce documents: every key of a documented
example response (`documented/*.json`, each naming its source page) is in the
simulator's answer to the same kind of call, so the simulator cannot drift unnoticed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from accord.connectors.salesforce import connector_factory
from accord.connectors.salesforce.simulator import Simulator
from accord.connectors.sdk import RejectedError
from tests.connectors.salesforce.conftest import BASE_URL

DOCUMENTED = Path(__file__).parent / "documented"


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


def request_token(simulator: Simulator, transport: httpx.BaseTransport) -> httpx.Response:
    form = {
        "grant_type": "client_credentials",
        "client_id": simulator.client_id,
        "client_secret": simulator.client_secret,
    }
    with httpx.Client(base_url=BASE_URL, transport=transport) as client:
        return client.post("/services/oauth2/token", data=form)


@pytest.fixture
def api(simulator: Simulator, transport: httpx.BaseTransport) -> httpx.Client:
    token = request_token(simulator, transport).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Sforce-Query-Options": "batchSize=1"}
    return httpx.Client(
        base_url=f"{BASE_URL}/services/data/v62.0", transport=transport, headers=headers
    )


def test_the_token_answer_has_the_documented_shape(
    simulator: Simulator, transport: httpx.BaseTransport
) -> None:
    answer = request_token(simulator, transport)

    assert missing_keys(documented("token.json"), answer.json()) == []


def test_query_upsert_composite_and_error_answers_have_the_documented_shapes(
    api: httpx.Client, config_for: Callable[..., dict[str, Any]]
) -> None:
    created = api.patch("/sobjects/Account/Accord_Id__c/C1", json={"Name": "Nordwind AG"})
    api.patch("/sobjects/Account/Accord_Id__c/C2", json={"Name": "Acme"})
    query = api.get("/query", params={"q": "SELECT Name FROM Account"})
    sub = {
        "method": "PATCH",
        "url": "/services/data/v62.0/sobjects/Account/Accord_Id__c/C3",
        "referenceId": "refAccount",
        "body": {"Name": "Globex"},
    }
    composite = api.post("/composite", json={"compositeRequest": [sub]})
    expired = api.get("/limits", headers={"Authorization": "Bearer expired"})

    assert created.status_code == 201
    assert missing_keys(documented("upsert-created.json"), created.json()) == []
    assert missing_keys(documented("query.json"), query.json()) == []
    assert missing_keys(documented("composite.json"), composite.json()) == []
    assert expired.status_code == 401
    assert missing_keys(documented("error.json")["body"], expired.json()) == []
    with pytest.raises(RejectedError, match="NOT_FOUND"):
        connector_factory(config_for()).session.call("GET", "/sobjects/Nothing__c/Id/1")
