"""Records through the API as a client reads them: every business key reachable, even
one with `/` in it (milestones), and commercial terms masked for roles without
`sensitive`."""

from __future__ import annotations

import json
from typing import Any

import pytest

from accord.application.security import ROLE_PERMISSIONS, Permission, Role
from tests.integration.api.conftest import ApiWorld


def _event(event_id: str, kind: str, data: dict[str, Any]) -> str:
    return json.dumps(
        {
            "specversion": "1.0",
            "id": event_id,
            "source": "clm",
            "type": f"accord.{kind}.v1",
            "data": data,
        }
    )


def _seed_contract_and_milestone(world: ApiWorld) -> None:
    contract = {
        "id": "K002",
        "customer": "C1",
        "entity": "DE01",
        "currency": "EUR",
        "start": "2026-01-01",
        "intercompany_markup_percent": "7.5",
    }
    milestone = {"contract": "K002", "term": "FF", "milestone": "M1", "state": "accepted"}
    world.hub.ingest.ingest_batch(
        [_event("k002", "contract", contract), _event("k002-ff-m1", "milestone", milestone)]
    )
    world.hub.worker.run_once()


def test_a_business_key_with_slashes_is_reachable(world: ApiWorld) -> None:
    _seed_contract_and_milestone(world)
    headers = world.as_role(Role.VIEWER)

    found = world.client.get("/api/v1/milestones/K002/FF/M1", headers=headers)
    missing = world.client.get("/api/v1/milestones/K002/FF/M9", headers=headers)
    listed = world.client.get("/api/v1/milestones", headers=headers)

    assert found.status_code == 200, found.text
    assert found.json()["key"] == "K002/FF/M1" and found.json()["data"]["state"] == "accepted"
    assert missing.status_code == 404 and "'K002/FF/M9'" in missing.json()["detail"]
    assert [item["key"] for item in listed.json()["items"]] == ["K002/FF/M1"]


@pytest.mark.parametrize("role", [Role.VIEWER, Role.BILLING, Role.FINANCE])
def test_the_intercompany_markup_is_masked_like_other_commercial_terms(
    world: ApiWorld, role: Role
) -> None:
    _seed_contract_and_milestone(world)

    contract = world.client.get("/api/v1/contracts/K002", headers=world.as_role(role))

    assert contract.status_code == 200, contract.text
    markup = contract.json()["data"]["intercompany_markup_percent"]
    if Permission.SENSITIVE in ROLE_PERMISSIONS[role]:
        assert markup == "7.5"
    else:
        assert markup == "***"
    assert contract.json()["data"]["currency"] == "EUR"


def test_ids_with_slashes_reach_lineage_and_runs(world: ApiWorld) -> None:
    """Invoice numbers (`2026/0001` in many countries) and run ids name business keys,
    so their routes take them whole: the handler answers, not the router."""
    headers = world.as_role(Role.VIEWER)
    for path, detail in (
        ("/api/v1/lineage/2026/0001", "no invoice '2026/0001'"),
        ("/api/v1/flow-runs/activate:K/1", "no flow run 'activate:K/1'"),
        (
            "/api/v1/invoice-runs/invoice-run:K/1:2026-01",
            "no invoice run 'invoice-run:K/1:2026-01'",
        ),
    ):
        response = world.client.get(path, headers=headers)
        assert response.status_code == 404 and response.json()["detail"] == detail, path
