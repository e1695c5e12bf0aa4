"""The simulator answers in the shapes Workday documents: every key of a documented
example response (`documented/*.json`, each naming its source page) is in the
simulator's answer to the same call, so the simulator cannot drift unnoticed."""

from __future__ import annotations

import httpx

from accord.simulators.workday import Simulator
from tests.connectors.documented import documented, missing_keys
from tests.connectors.workday.conftest import worker_fields


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

    assert missing_keys(documented(__file__, "token.json"), token) == []
    assert missing_keys(documented(__file__, "workers.json"), workers) == []
