"""The dashboard's correction and period forms: a quarantined time entry is corrected
after a dry run shown on the page, its submitter sees no approve button, a finance user
approves it and the event is applied once; finance closes a period from the page."""

from __future__ import annotations

import html
import json
import re

from accord.adapters.billing_store import SqlAlchemyBillingStateStore
from accord.application.billing import BillingBook
from accord.application.security import Role
from tests.integration.api.conftest import ApiWorld
from tests.integration.api.test_api_corrections import _entry, _quarantine, _statuses
from tests.unit.billing.builders import make_state

HERE = {"Origin": "http://testserver"}


def _sign_in(world: ApiWorld, role: Role, page: str) -> str:
    world.client.cookies.clear()
    signed_in = world.client.post(
        "/login", data={"token": world.tokens[role]}, headers=HERE, follow_redirects=False
    )
    assert signed_in.status_code == 303, signed_in.text
    found = re.search(r'name="csrf" value="([^"]+)"', world.client.get(page).text)
    assert found, f"{page} carries the session's form token"
    return found.group(1)


def _post(world: ApiWorld, path: str, form: dict[str, str]) -> str:
    return html.unescape(world.client.post(path, data=form, headers=HERE).text)


def test_a_correction_is_previewed_submitted_and_approved_from_the_dashboard(
    world: ApiWorld,
) -> None:
    SqlAlchemyBillingStateStore(world.hub.engine).save(BillingBook(make_state()), 0)
    exception_id = _quarantine(world, [_entry("te-5", contract="K9")])["te-5"]
    page = f"/exceptions/{exception_id}/correct"
    corrected = json.dumps(_entry("te-5", contract="K1"))

    token = _sign_in(world, Role.INTEGRATION, page)
    queue = world.client.get("/exceptions").text
    editor = html.unescape(world.client.get(page).text)
    previewed = _post(world, page, {"csrf": token, "payload": corrected, "intent": "preview"})
    pending_after_preview = _statuses(world, "te-5")
    submitted = _post(world, page, {"csrf": token, "payload": corrected, "intent": "submit"})
    token = _sign_in(world, Role.FINANCE, page)
    queue_for_finance = world.client.get("/exceptions").text
    approved = _post(world, f"/exceptions/{exception_id}/approve", {"csrf": token, "note": "ok"})
    world.hub.worker.run_once()

    assert f'href="{page}"' in queue
    assert '"contract": "K9"' in editor
    assert "Outcome: <strong>apply</strong>" in previewed and "needs a second approver" in previewed
    assert re.search(r"<td>contract</td><td></td><td>K1</td>", previewed)
    assert re.search(r"<td>adds</td><td>invoice</td>.*1125.00 EUR</td>", previewed)
    assert pending_after_preview == ["quarantined"]
    assert "correction awaiting_approval" in submitted and 'id="approve"' not in submitted
    assert ">correction awaiting approval</a>" in queue_for_finance
    assert "correction applied, approved by" in approved, approved
    assert _statuses(world, "te-5") == ["superseded", "applied"]


def test_finance_closes_a_period_from_the_dashboard(world: ApiWorld) -> None:
    SqlAlchemyBillingStateStore(world.hub.engine).save(BillingBook(make_state()), 0)
    viewer = _sign_in(world, Role.VIEWER, "/periods")
    refused = world.client.post(
        "/periods", data={"csrf": viewer, "entity": "DE01", "period": "2026-01"}, headers=HERE
    )
    token = _sign_in(world, Role.FINANCE, "/periods")
    form = {"csrf": token, "entity": "DE01", "period": "2026-01", "note": "month-end"}

    closed = _post(world, "/periods", {**form, "intent": "close"})

    assert refused.status_code == 403
    assert "DE01 2026-01: closed" in closed
    assert re.search(r'id="entity-DE01"><td>DE01</td><td>2026-01</td>', closed)
