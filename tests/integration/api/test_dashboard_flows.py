"""The dashboard's flows page lists every flow with its steps and latest runs, and its
button starts an invoice run with the API's permission: the run is then listed by the
API, a viewer is refused, and a date that is not one is a 400 with what to give."""

from __future__ import annotations

import html

from accord.application.security import Role
from tests.integration.api.conftest import ApiWorld
from tests.integration.api.test_api_dashboard_corrections import _sign_in
from tests.integration.api.test_api_dashboard_forms import HERE


def test_the_flows_page_starts_an_invoice_run(world: ApiWorld) -> None:
    world.ports.flows.start("activation", {"contract": "K1"}, "pmo")  # type: ignore[union-attr]
    viewer = _sign_in(world, Role.VIEWER, "/flows")
    viewer_page = world.client.get("/flows").text
    refused = world.client.post(
        "/flows/invoice-runs", data={"csrf": viewer, "through": "2026-01-31"}, headers=HERE
    )
    token = _sign_in(world, Role.BILLING, "/flows")
    shown = html.unescape(world.client.get("/flows").text)
    form = {"csrf": token, "through": "2026-01-31", "contract": "K1"}
    started = html.unescape(world.client.post("/flows/invoice-runs", data=form, headers=HERE).text)
    bad = world.client.post(
        "/flows/invoice-runs", data={**form, "through": "January"}, headers=HERE
    )
    listed = world.client.get("/api/v1/invoice-runs", headers=world.as_role(Role.BILLING)).json()

    assert '<section class="flow" id="flow-activation">' in shown
    assert "<li><code>set_up_in_erp</code></li><li><code>record_activation</code></li>" in shown
    assert "<td><code>activation-1</code></td><td>running</td>" in shown
    assert 'id="start-invoice-run"' in shown and 'id="start-invoice-run"' not in viewer_page
    assert refused.status_code == 403
    assert "invoice run run-1 started" in started
    assert "<td><code>run-1</code></td><td>running</td>" in started
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.text
    runs = listed["items"]
    assert [(r["id"], r["parameters"]) for r in runs] == [
        ("run-1", {"through": "2026-01-31", "contract": "K1"})
    ]
