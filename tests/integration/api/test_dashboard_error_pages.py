"""Dashboard errors are pages with the dashboard's navigation for a browser (404, 403,
500, with the correlation id to quote); API routes keep answering problem+json."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

from accord.application.security import Role
from accord.domain.exceptions import BusinessException, ExceptionKind
from tests.integration.api.conftest import ApiWorld

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
NAVIGATION = ('href="/exceptions"', 'href="/reconciliation"', 'href="/kpis"')


class BrokenReports:
    def kpis(self) -> object:
        raise RuntimeError("the KPI store vanished")


def _sign_in(world: ApiWorld, role: Role) -> None:
    signed_in = world.client.post(
        "/login",
        data={"token": world.tokens[role]},
        headers={"Origin": "http://testserver"},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303


def _page(world: ApiWorld, path: str, status: int) -> tuple[str, str]:
    """The page's HTML and the response's correlation id."""
    response = world.client.get(path, headers=BROWSER)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert all(link in response.text for link in NAVIGATION), response.text
    return response.text, response.headers["x-correlation-id"]


def test_dashboard_errors_are_pages_with_navigation_and_api_errors_stay_problems(
    world: ApiWorld,
) -> None:
    missing, _ = _page(world, "/no-such-page", 404)
    assert "there is no page at /no-such-page" in missing

    with world.hub.unit_of_work() as uow:
        finance_only = uow.exceptions.raise_(
            BusinessException(ExceptionKind.MISSING_TAX_RULE, "K1", "no tax rule"),
            {},
            datetime.now(UTC),
        )
        uow.commit()
    _sign_in(world, Role.INTEGRATION)
    csrf = re.search(r'name="csrf" value="([^"]+)"', world.client.get("/exceptions").text)
    assert csrf is not None
    refused = world.client.post(
        f"/exceptions/{finance_only}/act",
        data={"action": "skip", "note": "not ours", "csrf": csrf.group(1)},
        headers={**BROWSER, "Origin": "http://testserver"},
    )
    assert (refused.status_code, refused.headers["content-type"][:9]) == (403, "text/html")
    assert "belongs to the finance team" in refused.text
    assert all(link in refused.text for link in NAVIGATION)

    world.serve(replace(world.ports, reports=BrokenReports()))
    failed, correlation = _page(world, "/kpis", 500)
    assert f'<code id="correlation-id">{correlation}</code>' in failed

    api = world.client.get("/api/v1/no-such-thing", headers=BROWSER)
    assert (api.status_code, api.headers["content-type"]) == (404, "application/problem+json")
