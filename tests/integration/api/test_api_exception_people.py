"""Assign, tag and comment on an exception through the API: stored, listed, filtered,
kept in its history and the audit trail; the owning team alone assigns and tags."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from accord.application.security import Role
from accord.domain.exceptions import BusinessException, ExceptionKind
from tests.integration.api.conftest import ApiWorld
from tests.integration.api.test_api_dashboard_forms import _sign_in

ORIGIN = {"Origin": "http://testserver"}


def _raise(world: ApiWorld, subject: str) -> int:
    with world.hub.unit_of_work() as uow:
        problem = BusinessException(ExceptionKind.POSTING_REJECTED, subject, "ERP refused")
        new_id = uow.exceptions.raise_(problem, {}, datetime.now(UTC))
        uow.commit()
    return new_id


def test_finance_assigns_tags_and_comments_and_the_queue_filters_by_them(
    world: ApiWorld,
) -> None:
    first, second = _raise(world, "INV-1"), _raise(world, "INV-2")
    finance = {**world.as_role(Role.FINANCE), **ORIGIN}
    base = f"/api/v1/exceptions/{first}"

    assigned = world.client.post(f"{base}/assignee", json={"person": "ada"}, headers=finance)
    world.client.post(f"{base}/tags", json={"tag": "month-end"}, headers=finance)
    world.client.post(f"{base}/tags", json={"tag": "vip"}, headers=finance)
    untagged = world.client.delete(f"{base}/tags/vip", headers=finance)
    commented = world.client.post(
        f"{base}/comments", json={"text": "customer PO missing"}, headers=finance
    )

    assert assigned.status_code == 200 and assigned.json()["assignee"] == "ada"
    assert untagged.json()["tags"] == ["month-end"]
    assert commented.status_code == 200
    document = world.client.get(base, headers=finance).json()
    assert document["assignee"] == "ada" and document["tags"] == ["month-end"]
    [comment] = document["comments"]
    assert comment["author"].endswith(":finance-key") and comment["text"] == "customer PO missing"
    actions = [entry["action"] for entry in document["history"]]
    assert actions == ["raised", "assigned", "tagged", "tagged", "untagged", "comment"]
    mine = world.client.get("/api/v1/exceptions?assignee=ada", headers=finance).json()
    tagged = world.client.get("/api/v1/exceptions?tag=month-end", headers=finance).json()
    assert [item["id"] for item in mine["items"]] == [first]
    assert [item["id"] for item in tagged["items"]] == [first]
    assert second not in [item["id"] for item in tagged["items"]]
    trail = [r.action for r in world.governance.audit.records()]
    assert trail[-5:] == [
        "exception.assigned",
        "exception.tagged",
        "exception.tagged",
        "exception.untagged",
        "exception.commented",
    ]


def test_another_team_comments_but_neither_assigns_nor_tags(world: ApiWorld) -> None:
    exception_id = _raise(world, "INV-3")
    pmo = {**world.as_role(Role.PMO), **ORIGIN}
    base = f"/api/v1/exceptions/{exception_id}"

    assign = world.client.post(f"{base}/assignee", json={"person": "bob"}, headers=pmo)
    comment = world.client.post(f"{base}/comments", json={"text": "PM knows"}, headers=pmo)
    bad_tag = world.client.post(
        f"{base}/tags", json={"tag": "Not A Tag"}, headers={**world.as_role(Role.ADMIN), **ORIGIN}
    )
    missing = world.client.post("/api/v1/exceptions/999/comments", json={"text": "x"}, headers=pmo)

    assert assign.status_code == 403 and "finance team" in assign.json()["detail"]
    assert comment.status_code == 200 and comment.json()["assignee"] is None
    assert bad_tag.status_code == 422
    assert missing.status_code == 404


def test_the_dashboard_lists_assignee_and_tags_and_filters_by_them(world: ApiWorld) -> None:
    mine, other = _raise(world, "INV-4"), _raise(world, "INV-5")
    finance = {**world.as_role(Role.FINANCE), **ORIGIN}
    world.client.post(
        f"/api/v1/exceptions/{mine}/assignee", json={"person": "ada"}, headers=finance
    )
    world.client.post(f"/api/v1/exceptions/{mine}/tags", json={"tag": "vip"}, headers=finance)
    _sign_in(world, Role.FINANCE)

    page = world.client.get("/exceptions?assignee=ada&tag=vip").text
    nobody = world.client.get("/exceptions?assignee=bob").text

    row = re.search(rf'<tr id="exception-{mine}">.*?</tr>', page, re.S)
    assert row and '<td class="assignee">ada</td>' in row.group(0)
    assert '<td class="tags">vip</td>' in row.group(0)
    assert f'id="exception-{other}"' not in page
    assert f'id="exception-{mine}"' not in nobody
