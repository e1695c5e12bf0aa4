"""The simulator answers in the shapes Workday documents: every key of a documented
example response (`documented/*.json`, each naming its source page) is in the
simulator's answer to the same call, so the simulator cannot drift unnoticed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from accord.connectors.workday.simulator import Simulator
from tests.connectors.workday.conftest import worker_fields

DOCUMENTED = Path(__file__).parent / "documented"


def documented(name: str) -> dict[str, Any]:
    example: dict[str, Any] = json.loads((DOCUMENTED / name).read_text())
    example.pop("_source")
    return example


def missing_keys(example: Any, actual: Any, where: str = "") -> list[str]:
    """Keys of `example` (recursively; a list by its first element) absent in `actual`."""
    if isinstance(example, dict):
        if not isinstance(actual, dict):
            return [where or "."]
        return [
            gap
            for key, value in example.items()
            for gap in (
                missing_keys(value, actual[key], f"{where}.{key}")
                if key in actual
                else [f"{where}.{key}"]
            )
        ]
    if isinstance(example, list) and example:
        if not isinstance(actual, list) or not actual:
            return [f"{where}[]"]
        return missing_keys(example[0], actual[0], f"{where}[]")
    return []


def test_token_and_workers_answers_hold_every_documented_key(
    simulator: Simulator, transport: httpx.BaseTransport
) -> None:
    simulator.put_worker("E001", **worker_fields())
    with httpx.Client(transport=transport, base_url="https://wd.test") as client:
        token = client.post(
            f"/ccx/oauth2/{simulator.tenant}/token",
            data={"grant_type": "refresh_token", "refresh_token": simulator.refresh_token},
            auth=(simulator.client_id, simulator.client_secret),
        ).json()
        workers = client.get(
            f"/ccx/api/v1/{simulator.tenant}/workers",
            headers={"Authorization": f"Bearer {token['access_token']}"},
        ).json()

    assert missing_keys(documented("token.json"), token) == []
    assert missing_keys(documented("workers.json"), workers) == []
