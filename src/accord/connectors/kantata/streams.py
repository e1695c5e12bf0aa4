"""Changes of one Kantata resource, read with `updated_after`, oldest first.

A read asks `/api/v1/<resource>?updated_after=<start - 1 s>&order=updated_at:asc` with
`per_page` at most 200 and follows `page` while `meta.page_count` says there is more.
`start` is the cursor's last `updated_at` less the look-back window (`LookBack`, the
`look_back_seconds` setting), so an object saved in a transaction that committed after
a later-stamped one was read is still picked up; `updated_after` is strict, so starting
one second early keeps objects that share the stamp. What the cursor says was delivered
(`id` at `updated_at`) is dropped, and so is any object a page repeats. Each object is
completed with its workspace's contract (`WorkspaceDirectory`), its amounts as
decimals and the date of its `updated_at` (`updated_on`), then mapped; one its mapping
cannot read is `rejected`, the rest proceed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from accord.canonical.base import CanonicalModel
from accord.connectors.kantata.api import MAX_PER_PAGE, KantataSession
from accord.connectors.kantata.mapping import RecordNotMapped, ResourceMapping, resource_mappings
from accord.connectors.sdk import Cursor, Page, RejectedRecord
from accord.connectors.sdk.lookback import DEFAULT_LOOK_BACK, LookBack
from accord.connectors.sdk.preview import RecordMapper


class WorkspaceDirectory:
    """Workspace id -> the external references Accord gave it (project, contract)."""

    def __init__(self, session: KantataSession, service_name: str) -> None:
        self._session = session
        self._service = service_name
        self._known: dict[str, dict[str, str]] = {}

    def references(self, workspace_id: str) -> dict[str, str]:
        """`{service_model: service_model_ref}` of the workspace's Accord references."""
        if workspace_id in self._known:
            return self._known[workspace_id]
        body = self._session.get("/workspaces", only=workspace_id, include="external_references")
        found = {
            str(r["service_model"]): str(r["service_model_ref"])
            for r in body.get("external_references", {}).values()
            if r.get("service_name") == self._service and str(r.get("subject_id")) == workspace_id
        }
        if "contract" in found:
            self._known[workspace_id] = found  # a workspace without one may get it later
        return found


class ResourceStream:
    """One Kantata resource's changes as canonical records (see the module docs)."""

    def __init__(
        self,
        name: str,
        session: KantataSession,
        mapping: ResourceMapping,
        workspaces: WorkspaceDirectory,
        filters: dict[str, str] | None = None,
        look_back: dt.timedelta = DEFAULT_LOOK_BACK,
    ) -> None:
        self._name = name
        self._look_back = look_back
        self._filters = filters or {}
        self._session = session
        self.mapping = mapping
        self._workspaces = workspaces

    @property
    def name(self) -> str:
        return self._name

    def read(self, cursor: Cursor | None, limit: int) -> Page[CanonicalModel]:
        position = LookBack(cursor, self._look_back, dt.datetime.fromisoformat)
        wanted = max(limit, 1)
        params: dict[str, Any] = {
            "order": "updated_at:asc",
            "per_page": min(wanted + 1 + len(position.seen), MAX_PER_PAGE),
            **self._filters,
        }
        start = position.start()
        if start is not None:
            params["updated_after"] = (start - dt.timedelta(seconds=1)).isoformat()
        chosen: list[dict[str, Any]] = []
        has_more = False
        for page in self._session.pages(f"/{self.mapping.resource}", params):
            for obj in page:
                key, stamp = str(obj["id"]), str(obj["updated_at"])
                if position.delivered(key, stamp):
                    continue
                if len(chosen) == wanted:
                    has_more = True
                    break
                position.deliver(key, stamp)
                chosen.append(obj)
            if has_more:
                break
        if not chosen:
            return Page([], cursor, has_more=False)
        records, rejected = self._map(chosen)
        return Page(records, position.cursor(), has_more, rejected)

    def row(self, obj: dict[str, Any]) -> dict[str, Any]:
        """The object with its workspace's references and decimal amounts added."""
        return typed_row(obj, self._workspaces.references(str(obj.get("workspace_id"))))

    def _map(
        self, chosen: list[dict[str, Any]]
    ) -> tuple[list[CanonicalModel], list[RejectedRecord]]:
        records: list[CanonicalModel] = []
        rejected: list[RejectedRecord] = []
        for obj in chosen:
            try:
                records.append(self.mapping.map_object(self.row(obj)))
            except RecordNotMapped as problem:
                key = f"{self.mapping.resource}:{obj['id']}:{obj['updated_at']}"
                rejected.append(RejectedRecord(key, self.mapping.kind, obj, str(problem)))
        return records, rejected


def typed_row(obj: Mapping[str, Any], refs: Mapping[str, Any]) -> dict[str, Any]:
    """The object as its mapping reads it: its workspace's `contract` and `project`
    references (`refs`) and decimal hours and amounts added."""
    row = {**obj, "contract": refs.get("contract"), "project": refs.get("project")}
    if obj.get("time_in_minutes") is not None:
        row["hours"] = (Decimal(int(obj["time_in_minutes"])) / 60).quantize(Decimal("0.0001"))
    if obj.get("updated_at"):
        row["updated_on"] = dt.datetime.fromisoformat(str(obj["updated_at"])).date()
    if obj.get("amount_in_cents") is not None:
        row["amount"] = Decimal(int(obj["amount_in_cents"])) / 100
    return row


def record_mappers(config: Mapping[str, Any]) -> dict[str, RecordMapper]:
    """The mapper of each stream of `kantata`, for `accord mapping test` (a
    `RecordMappers`). A sample object carries the `contract` and `project` references
    the connector reads from its workspace."""

    def mapper(mapping: ResourceMapping) -> RecordMapper:
        return lambda obj: mapping.map_object(typed_row(obj, obj))

    return {name: mapper(m) for name, m in resource_mappings(config.get("mapping")).items()}
