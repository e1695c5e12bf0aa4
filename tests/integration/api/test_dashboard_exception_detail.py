"""The dashboard page of one exception: linked from the queue, it shows kind, owner,
severity, age, amount, message, the stored source record and the history, and its
action form skips the exception, which the API then reads back as skipped."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

from accord.application.security import Role
from accord.domain.exceptions import BusinessException, ExceptionKind
from tests.integration.api.conftest import ApiWorld
from tests.integration.api.test_api_dashboard_forms import HERE, _sign_in


def _raise(world: ApiWorld) -> int:
    found = BusinessException(ExceptionKind.SYSTEM_UNAVAILABLE, "INV-7", "ERP down at posting")
    details = {"source": "erp", "amount": "12345.5", "currency": "EUR", "reason": "timeout"}
    with world.hub.unit_of_work() as uow:
        exception_id = uow.exceptions.raise_(found, details, datetime.now(UTC))
        uow.commit()
    return exception_id


def test_the_detail_page_shows_the_exception_and_skips_it(world: ApiWorld) -> None:
    exception_id = _raise(world)
    token = _sign_in(world, Role.INTEGRATION)
    queue = world.client.get("/exceptions").text
    shown = html.unescape(world.client.get(f"/exceptions/{exception_id}").text)
    form = {"csrf": token, "action": "skip", "note": "ERP back, posted by hand", "to": "detail"}
    acted = world.client.post(f"/exceptions/{exception_id}/act", data=form, headers=HERE)
    after = html.unescape(acted.text)
    missing = world.client.get("/exceptions/999999", headers={"Accept": "text/html"})
    api = world.client.get(
        f"/api/v1/exceptions/{exception_id}", headers=world.as_role(Role.INTEGRATION)
    ).json()

    assert f'href="/exceptions/{exception_id}"' in queue
    assert '<td id="kind">system_unavailable</td>' in shown
    assert '<td id="owner">integration</td>' in shown
    assert '<td id="amount">12,345.50 EUR</td>' in shown
    assert '<td id="message">ERP down at posting</td>' in shown
    assert re.search(r'<pre id="source">\{\n  "amount": "12345.5",', shown), shown
    assert "<option>skip</option>" in shown
    assert acted.url.path == f"/exceptions/{exception_id}"
    assert re.search(r'<td id="status">skipped</td>', after), after[-1500:]
    assert "ERP back, posted by hand" in after
    assert missing.status_code == 404
    assert api["status"] == "skipped"
    assert "ERP back, posted by hand" in str(api["history"]), api["history"]
