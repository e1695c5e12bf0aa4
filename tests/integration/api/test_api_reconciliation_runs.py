"""The reconciliation endpoint and page read the last run's stored report and never run a
reconciliation; a POST (API or dashboard) requests a job whose status can be polled."""

from __future__ import annotations

import re
from dataclasses import replace

from accord.application.reconciliation_jobs import ReconciliationJobs
from accord.application.security import Role
from tests.integration.api.conftest import ApiWorld
from tests.integration.reconciliation.test_reconciliation_jobs import (
    CountingReconciliation,
    jobs,
    reports,
)


def wire(world: ApiWorld) -> tuple[ReconciliationJobs, CountingReconciliation]:
    reconciliation = CountingReconciliation()
    hub_jobs = jobs(world.hub.engine, reconciliation)
    world.serve(replace(world.ports, reports=reports(hub_jobs, reconciliation)))
    return hub_jobs, reconciliation


def test_get_reads_the_stored_report_and_post_requests_a_job_to_poll(world: ApiWorld) -> None:
    hub_jobs, reconciliation = wire(world)
    viewer, finance = world.as_role(Role.VIEWER), world.as_role(Role.FINANCE)

    empty = world.client.get("/api/v1/reconciliation", headers=viewer).json()
    assert (empty["discrepancies"], empty["ran_at"]) == ([], None)

    requested = world.client.post("/api/v1/reconciliation/runs", headers=finance)
    assert requested.status_code == 202
    job = requested.json()
    assert job["status"] == "requested"
    again = world.client.post("/api/v1/reconciliation/runs", headers=finance).json()
    assert again["id"] == job["id"]
    assert world.client.post("/api/v1/reconciliation/runs", headers=viewer).status_code == 403

    hub_jobs.run_requested()  # the scheduler's next tick
    polled = world.client.get(job["href"], headers=viewer).json()
    assert polled["status"] == "done"
    for _ in range(3):
        found = world.client.get("/api/v1/reconciliation", headers=viewer).json()
    assert [d["kind"] for d in found["discrepancies"]] == ["unposted_document"]
    assert found["not_compared"] == {"payments_erp_crm": "no crm connector offers a PaymentListing"}
    assert found["ran_at"] == polled["finished_at"]
    assert reconciliation.runs == 1
    missing = world.client.get("/api/v1/reconciliation/runs/999", headers=viewer)
    assert missing.status_code == 404


def test_the_page_shows_the_last_run_and_offers_a_new_one(world: ApiWorld) -> None:
    hub_jobs, reconciliation = wire(world)
    origin = {"Origin": "http://testserver"}
    signed_in = world.client.post(
        "/login",
        data={"token": world.tokens[Role.FINANCE]},
        headers=origin,
        follow_redirects=False,
    )
    assert signed_in.status_code == 303

    page = world.client.get("/reconciliation").text
    assert "No reconciliation run has finished yet." in page
    assert 'id="request-reconciliation"' in page
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert token is not None
    forged = world.client.post("/reconciliation/run", headers=origin, follow_redirects=False)
    assert forged.status_code == 403  # a form without the session's token is refused
    asked = world.client.post(
        "/reconciliation/run",
        data={"csrf": token.group(1)},
        headers=origin,
        follow_redirects=True,
    )
    assert asked.status_code == 200
    assert "is requested" in asked.text
    hub_jobs.run_requested()
    shown = world.client.get("/reconciliation").text
    assert "Last run finished" in shown and "as of 2026-03-31" in shown
    assert "Not compared: payments_erp_crm (no crm connector offers a PaymentListing)" in shown
    assert reconciliation.runs == 1
