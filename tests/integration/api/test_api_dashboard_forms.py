"""Dashboard forms refuse cross-site posts: every POST must come from the dashboard's own
origin, and a signed-in form must carry the session's form token; an unknown action is
a clear 400, never a server error."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from accord.application.security import Role
from accord.domain.exceptions import BusinessException, ExceptionKind
from tests.integration.api.conftest import ApiWorld

HERE = {"Origin": "http://testserver"}
EVIL = {"Origin": "https://evil.example"}


def _open_exception(world: ApiWorld) -> int:
    with world.hub.unit_of_work() as uow:
        exception_id = uow.exceptions.raise_(
            BusinessException(ExceptionKind.SYSTEM_UNAVAILABLE, "erp", "ERP down"),
            {},
            datetime.now(UTC),
        )
        uow.commit()
    return exception_id


def _sign_in(world: ApiWorld, role: Role = Role.INTEGRATION) -> str:
    signed_in = world.client.post(
        "/login", data={"token": world.tokens[role]}, headers=HERE, follow_redirects=False
    )
    assert signed_in.status_code == 303, signed_in.text
    page = world.client.get("/exceptions")
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, "the dashboard's forms carry the session's form token"
    return found.group(1)


def _status(world: ApiWorld, exception_id: int) -> str:
    with world.hub.unit_of_work() as uow:
        return str(next(r.status for r in uow.exceptions.list() if r.id == exception_id))


def test_a_cross_site_action_is_refused_and_changes_nothing(world: ApiWorld) -> None:
    exception_id = _open_exception(world)
    token = _sign_in(world)
    form = {"action": "skip", "note": "forged", "csrf": token}
    url = f"/exceptions/{exception_id}/act"

    foreign = world.client.post(url, data=form, headers=EVIL, follow_redirects=False)
    anonymous = world.client.post(url, data=form, follow_redirects=False)
    referred = world.client.post(
        url, data=form, headers={"Referer": "https://evil.example/x"}, follow_redirects=False
    )

    for response in (foreign, anonymous, referred):
        assert response.status_code == 403, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert "origin" in response.json()["detail"]
    assert _status(world, exception_id) == "open"


def test_an_action_without_the_form_token_is_refused(world: ApiWorld) -> None:
    exception_id = _open_exception(world)
    _sign_in(world)
    url = f"/exceptions/{exception_id}/act"

    missing = world.client.post(url, data={"action": "skip", "note": "x"}, headers=HERE)
    wrong = world.client.post(
        url, data={"action": "skip", "note": "x", "csrf": "guess"}, headers=HERE
    )

    assert missing.status_code == 403 and "form token" in missing.json()["detail"]
    assert wrong.status_code == 403
    assert _status(world, exception_id) == "open"


def test_a_same_origin_action_with_its_token_is_taken(world: ApiWorld) -> None:
    exception_id = _open_exception(world)
    token = _sign_in(world)

    taken = world.client.post(
        f"/exceptions/{exception_id}/act",
        data={"action": "skip", "note": "ERP back", "csrf": token},
        headers={"Referer": "http://testserver/exceptions"},
        follow_redirects=False,
    )

    assert taken.status_code == 303, taken.text
    assert _status(world, exception_id) == "skipped"


def test_an_unknown_or_missing_action_is_a_400(world: ApiWorld) -> None:
    exception_id = _open_exception(world)
    token = _sign_in(world)
    url = f"/exceptions/{exception_id}/act"

    unknown = world.client.post(
        url, data={"action": "obliterate", "note": "x", "csrf": token}, headers=HERE
    )
    missing = world.client.post(url, data={"note": "x", "csrf": token}, headers=HERE)

    assert unknown.status_code == 400, unknown.text
    assert "unknown action 'obliterate'" in unknown.json()["detail"]
    assert "skip" in unknown.json()["detail"]
    assert missing.status_code == 400 and "choose an action" in missing.json()["detail"]
    assert _status(world, exception_id) == "open"


def test_sign_in_and_sign_out_from_another_site_are_refused(world: ApiWorld) -> None:
    forged_login = world.client.post(
        "/login", data={"token": world.tokens[Role.ADMIN]}, headers=EVIL, follow_redirects=False
    )
    assert forged_login.status_code == 403
    assert "set-cookie" not in forged_login.headers

    token = _sign_in(world)
    forged_logout = world.client.post(
        "/logout", data={"csrf": token}, headers=EVIL, follow_redirects=False
    )
    tokenless_logout = world.client.post("/logout", headers=HERE, follow_redirects=False)
    assert forged_logout.status_code == 403 and tokenless_logout.status_code == 403
    assert world.client.get("/", follow_redirects=False).status_code == 200

    signed_out = world.client.post(
        "/logout", data={"csrf": token}, headers=HERE, follow_redirects=False
    )
    assert signed_out.status_code == 303
    assert world.client.get("/", follow_redirects=False).status_code == 303
