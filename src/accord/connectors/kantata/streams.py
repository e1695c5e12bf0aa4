"""Changes of one Kantata resource, read with `updated_after`, oldest first.

A read asks `/api/v1/<resource>?updated_after=<stamp - 1 s>&order=updated_at:asc` with
`per_page` at most 200, follows `page` while `meta.page_count` says there is more, and
keeps the objects strictly after the cursor's `(updated_at, id)`: `updated_after` is
strict, so starting one second early keeps objects that share the last stamp, and the
position check drops the ones already delivered (and any a page repeats). Each object is
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
from accord.connectors.sdk import Cursor, Page, RejectedRecord, decode_cursor, encode_cursor
from accord.connectors.sdk.preview import RecordMapper

Position = tuple[dt.datetime, int]


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


def _position(obj: dict[str, Any]) -> Position:
    return dt.datetime.fromisoformat(str(obj["updated_at"])), int(obj["id"])


class ResourceStream:
    """One Kantata resource's changes as canonical records (see the module docs)."""

    def __init__(
        self,
        name: str,
        session: KantataSession,
        mapping: ResourceMapping,
        workspaces: WorkspaceDirectory,
        filters: dict[str, str] | None = None,
    ) -> None:
        self._name = name
        self._filters = filters or {}
        self._session = session
        self.mapping = mapping
        self._workspaces = workspaces

    @property
    def name(self) -> str:
        return self._name

    def read(self, cursor: Cursor | None, limit: int) -> Page[CanonicalModel]:
        after: list[Any] | None = decode_cursor(cursor).get("after")
        last: Position | None = None
        params: dict[str, Any] = {
            "order": "updated_at:asc",
            "per_page": min(limit + 1, MAX_PER_PAGE),
            **self._filters,
        }
        if after:
            stamp = dt.datetime.fromisoformat(after[0])
            last = (stamp, int(after[1]))
            params["updated_after"] = (stamp - dt.timedelta(seconds=1)).isoformat()
        found: list[dict[str, Any]] = []
        for page in self._session.pages(f"/{self.mapping.resource}", params):
            for obj in page:
                if last is not None and _position(obj) <= last:
                    continue
                found.append(obj)
                last = _position(obj)
            if len(found) > limit:
                break
        chosen = found[:limit]
        if not chosen:
            return Page([], cursor, has_more=False)
        records, rejected = self._map(chosen)
        tail = [str(chosen[-1]["updated_at"]), str(chosen[-1]["id"])]
        return Page(records, encode_cursor({"after": tail}), len(found) > limit, rejected)

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
