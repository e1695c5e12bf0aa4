"""The flow catalog names every kind of flow the hub runs with its steps in order, and
lists one kind's latest runs by its workflow id prefix, newest first."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from accord.flows import dispatch
from accord.flows.operations import KINDS, FlowCatalog


class FakeDispatch(dispatch.InProcessDispatch):
    def __init__(self) -> None:
        self.asked: list[dict[str, Any]] = []

    def list_workflows(self, **filters: Any) -> list[Any]:
        self.asked.append(filters)
        run = SimpleNamespace(
            workflow_id="post:INV-1",
            created_at=0,
            status="SUCCESS",
            authenticated_user=None,
            input=None,
            output="posted",
        )
        return [run]


@pytest.fixture
def fake_dispatch() -> Iterator[FakeDispatch]:
    before = dispatch.current()
    fake = FakeDispatch()
    dispatch.use(fake)
    yield fake
    dispatch.use(before)


def test_every_kind_is_listed_with_its_steps_and_latest_runs(fake_dispatch: FakeDispatch) -> None:
    catalog = FlowCatalog()

    kinds = {kind.name: kind.steps for kind in catalog.kinds()}
    recent = catalog.recent("posting", 5)

    assert set(kinds) == set(KINDS.values())
    assert kinds["posting"] == ("record_in_billing", "post_to_erp", "mark_posted", "write_back")
    assert fake_dispatch.asked == [{"workflow_id_prefix": "post:", "sort_desc": True, "limit": 5}]
    assert [(run.id, run.kind, run.status) for run in recent] == [
        ("post:INV-1", "posting", "success")
    ]
