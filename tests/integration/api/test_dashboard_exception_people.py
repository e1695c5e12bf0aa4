"""The exception page's forms: the owning team assigns and tags, anyone who may act
comments; each change shows on the page and in the queue's filters, is audited, and a
team that does not own the exception cannot assign it."""

from __future__ import annotations

from accord.application.security import Role
from tests.integration.api.conftest import ApiWorld
from tests.integration.api.test_api_corrections import _entry, _quarantine
from tests.integration.api.test_api_dashboard_corrections import HERE, _post, _sign_in


def test_the_owning_team_assigns_tags_and_comments_from_the_exception_page(
    world: ApiWorld,
) -> None:
    exception_id = _quarantine(world, [_entry("te-7", contract="K9")])["te-7"]
    page = f"/exceptions/{exception_id}"

    finance = _sign_in(world, Role.FINANCE, page)
    refused = world.client.post(
        f"{page}/assignee", data={"csrf": finance, "person": "fin"}, headers=HERE
    )
    commented_by_finance = _post(
        world, f"{page}/comments", {"csrf": finance, "text": "K9 is signed in the CLM"}
    )
    token = _sign_in(world, Role.INTEGRATION, page)
    assigned = _post(world, f"{page}/assignee", {"csrf": token, "person": "ada"})
    tagged = _post(world, f"{page}/tags", {"csrf": token, "tag": "Month-End", "intent": "add"})
    bad_tag = _post(world, f"{page}/tags", {"csrf": token, "tag": "no spaces", "intent": "add"})
    filtered = world.client.get("/exceptions?owner=integration&assignee=ada&tag=month-end").text
    other_tag = world.client.get("/exceptions?owner=integration&tag=urgent").text
    untagged = _post(world, f"{page}/tags", {"csrf": token, "tag": "month-end", "intent": "remove"})

    assert refused.status_code == 403
    assert "K9 is signed in the CLM" in commented_by_finance and "commented" in commented_by_finance
    assert "assigned to ada" in assigned and 'id="assignee">ada<' in assigned
    assert "tagged month-end" in tagged and '<span class="tag">month-end</span>' in tagged
    assert "use 1-50 lowercase letters" in bad_tag
    assert f'id="exception-{exception_id}"' in filtered
    assert f'id="exception-{exception_id}"' not in other_tag
    assert "untagged month-end" in untagged and '<span class="tag">' not in untagged
    audited = [
        (row.action, (row.after or {}).get("assignee"))
        for row in world.hub.governance.audit.records()
        if row.subject == f"exception:{exception_id}"
    ]
    assert audited == [
        ("exception.commented", None),
        ("exception.assigned", "ada"),
        ("exception.tagged", "ada"),
        ("exception.untagged", "ada"),
    ]
