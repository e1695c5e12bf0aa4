"""The simulator answers in the shapes NetSuite documents: every key of a documented
example (`documented/*.json`, each naming its source page) is in the simulator's answer
to the same kind of call, so the simulator cannot drift unnoticed."""

from __future__ import annotations

import httpx

from accord.simulators.netsuite import Simulator
from tests.connectors.documented import documented, missing_keys
from tests.connectors.netsuite.conftest import BASE_URL
from tests.connectors.netsuite.test_netsuite_contract import payment_body

SUITEQL = "/services/rest/query/v1/suiteql"


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
    assert missing_keys(documented(__file__, "suiteql.json"), page.json()) == []
    assert page.json()["hasMore"] is True
    assert refused.status_code == 401
    assert missing_keys(documented(__file__, "error.json"), refused.json()) == []
