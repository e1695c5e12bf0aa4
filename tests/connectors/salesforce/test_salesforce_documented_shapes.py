"""The simulator answers in the shapes Salesforce documents: every key of a documented
example response (`documented/*.json`, each naming its source page) is in the
simulator's answer to the same kind of call, so the simulator cannot drift unnoticed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from accord.connectors.salesforce import connector_factory
from accord.connectors.sdk import RejectedError
from accord.simulators.salesforce import Simulator
from tests.connectors.documented import documented, missing_keys
from tests.connectors.salesforce.conftest import BASE_URL


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

    assert missing_keys(documented(__file__, "token.json"), answer.json()) == []


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
    assert missing_keys(documented(__file__, "upsert-created.json"), created.json()) == []
    assert missing_keys(documented(__file__, "query.json"), query.json()) == []
    assert missing_keys(documented(__file__, "composite.json"), composite.json()) == []
    assert expired.status_code == 401
    assert missing_keys(documented(__file__, "error.json")["body"], expired.json()) == []
    with pytest.raises(RejectedError, match="NOT_FOUND"):
        connector_factory(config_for()).session.call("GET", "/sobjects/Nothing__c/Id/1")
