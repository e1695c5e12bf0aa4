"""The dashboard signs in with the API's identities and shows nothing before that."""

from __future__ import annotations

from accord.application.security import Role
from tests.integration.api.conftest import ApiWorld


def test_the_dashboard_redirects_to_login_and_accepts_an_api_key(world: ApiWorld) -> None:
    client = world.client
    anonymous = client.get("/", follow_redirects=False)
    refused = client.post("/login", data={"token": "acc_000000000000_wrong"})
    signed_in = client.post(
        "/login", data={"token": world.tokens[Role.VIEWER]}, follow_redirects=False
    )
    overview = client.get("/")
    forged_post = client.post("/api/v1/invoice-runs", json={"through": "2024-03-31"})

    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login"
    assert refused.status_code == 401 and "not known" in refused.text
    assert signed_in.status_code == 303
    assert "httponly" in signed_in.headers["set-cookie"].lower()
    assert overview.status_code == 200 and "Hub status" in overview.text
    assert forged_post.status_code == 401
