"""A Salesforce-like CRM: sObjects, external-id upserts, a change data capture feed, a quota.

The CDC feed (`GET /cdc?after=<replayId>`) carries `ChangeEventHeader` with `changeType`
(CREATE, UPDATE, DELETE, UNDELETE, or GAP_* when the `gap` fault is on: no fields, re-read
the record), `recordIds` (one event for several records changed alike in one composite
call) and `changeOrigin` (the `Sforce-Call-Options: client=...` of the writing call), and
is retained 72 simulated hours. Requests count against a rolling 24 h quota; beyond it
every call answers 403 REQUEST_LIMIT_EXCEEDED.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Header, Query, Request, Response

from accord.connectors.sandbox.clock import SandboxClock, format_instant
from accord.connectors.sandbox.faults import FaultKind, FaultPlan
from accord.connectors.sandbox.service import (
    SandboxError,
    create_system_app,
    not_found,
    optional_instant,
    page_json,
    route_path,
)
from accord.connectors.sandbox.store import Record, SandboxStore

RETENTION = timedelta(hours=72)
QUOTA_WINDOW = timedelta(hours=24)
API_ORIGIN = "com/salesforce/api/rest/62.0"
ID_PREFIXES = {
    "Account": "001",
    "Opportunity": "006",
    "Contract": "800",
    "Invoice__c": "a01",
    "Payment__c": "a02",
}


def change_origin(call_options: str | None) -> str:
    """The changeOrigin Salesforce puts on CDC events for a call with these options."""
    client = _client_of(call_options)
    return f"{API_ORIGIN};client={client}" if client else API_ORIGIN


def _client_of(call_options: str | None) -> str | None:
    for option in (call_options or "").split(","):
        name, _, value = option.strip().partition("=")
        if name == "client" and value:
            return value
    return None


@dataclass
class _Change:
    entity: str
    change_type: str
    record_id: str
    fields: dict[str, Any]


@dataclass
class _Batch:
    origin: str
    changes: list[_Change] = field(default_factory=list)


class ChangeCapture:
    """Turns record changes into CDC events, merging alike changes of one call."""

    def __init__(self, store: SandboxStore, faults: FaultPlan) -> None:
        self._store = store
        self._faults = faults
        self._local = threading.local()
        store.listeners.append(self._collect)

    @contextmanager
    def call(self, call_options: str | None) -> Iterator[None]:
        """Group the changes of one API call (in one transaction) and publish them."""
        with self._store.transaction():
            self._local.batch = _Batch(change_origin(call_options))
            try:
                yield
                self._publish(self._local.batch)
            finally:
                self._local.batch = None

    def _collect(self, kind: str, previous: Record | None, current: Record) -> None:
        batch: _Batch | None = getattr(self._local, "batch", None)
        if batch is None:
            batch = _Batch("")
            batch.changes.append(_describe(kind, previous, current))
            self._publish(batch)
            return
        batch.changes.append(_describe(kind, previous, current))

    def _publish(self, batch: _Batch) -> None:
        groups: dict[tuple[str, str, str], list[_Change]] = {}
        for change in batch.changes:
            key = (change.entity, change.change_type, repr(sorted(change.fields.items())))
            groups.setdefault(key, []).append(change)
        for (entity, change_type, _), changes in groups.items():
            gap = self._faults.hit(FaultKind.GAP, self._store.clock.now(), "/cdc") is not None
            fields = {} if gap else changes[0].fields
            header = {
                "entityName": entity,
                "recordIds": [c.record_id for c in changes],
                "changeType": f"GAP_{change_type}" if gap else change_type,
                "changeOrigin": batch.origin,
                "commitTimestamp": self._store.now(),
                "changedFields": [] if gap else sorted(fields),
            }
            self._store.append_event({"ChangeEventHeader": header, **fields})


def _describe(kind: str, previous: Record | None, current: Record) -> _Change:
    if previous is None:
        return _Change(
            kind, "CREATE", current.id, {**current.body, "ExtId__c": current.external_id}
        )
    if current.deleted and not previous.deleted:
        return _Change(kind, "DELETE", current.id, {})
    if previous.deleted and not current.deleted:
        return _Change(kind, "UNDELETE", current.id, dict(current.body))
    changed = {k: v for k, v in current.body.items() if previous.body.get(k) != v}
    changed.update({k: None for k in previous.body if k not in current.body})
    return _Change(kind, "UPDATE", current.id, changed)


class RequestQuota:
    """A rolling 24 h request quota on the simulated clock."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._calls: deque[datetime] = deque()
        self._lock = threading.Lock()

    def take(self, now: datetime) -> bool:
        with self._lock:
            while self._calls and self._calls[0] <= now - QUOTA_WINDOW:
                self._calls.popleft()
            if len(self._calls) >= self.limit:
                return False
            self._calls.append(now)
            return True

    def remaining(self, now: datetime) -> int:
        with self._lock:
            return self.limit - sum(1 for t in self._calls if t > now - QUOTA_WINDOW)


def create_app(
    state_dir: Path | None,
    clock: SandboxClock,
    faults: FaultPlan,
    options: Mapping[str, Any] | None = None,
) -> FastAPI:
    """The CRM app; `options` may set `daily_request_limit` (default 100000)."""
    store = SandboxStore("crm", state_dir, clock)
    capture = ChangeCapture(store, faults)
    quota = RequestQuota(int((options or {}).get("daily_request_limit", 100_000)))
    app = create_system_app("crm", store, clock, faults, throttle_retry_after=1.0)
    app.state.quota = quota
    _add_sobject_routes(app, store, capture)
    _add_feed_routes(app, store, clock, quota)
    app.middleware("http")(_quota_middleware(clock, quota))
    return app


def _quota_middleware(
    clock: SandboxClock, quota: RequestQuota
) -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    async def enforce(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if route_path(request).startswith("/_sandbox") or quota.take(clock.now()):
            return await call_next(request)
        message = f"TotalRequests Limit exceeded: {quota.limit} requests in the last 24 hours"
        return SandboxError(403, "REQUEST_LIMIT_EXCEEDED", message).response()

    return enforce


def _sobject(store: SandboxStore, sobject: str, record_id: str) -> Record:
    record = store.get(sobject, record_id)
    if record is None:
        raise not_found(sobject, record_id)
    return record


def _check_type(sobject: str) -> None:
    if sobject not in ID_PREFIXES:
        raise SandboxError(
            404,
            "NOT_FOUND",
            f"sObject type {sobject!r} is not supported; use {sorted(ID_PREFIXES)}",
        )


def _new_id(store: SandboxStore, sobject: str) -> str:
    return f"{ID_PREFIXES[sobject]}{store.next_number('sf:' + sobject):015d}"


def _fields(body: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in {"Id", "attributes", "ExtId__c"}}


def _add_sobject_routes(app: FastAPI, store: SandboxStore, capture: ChangeCapture) -> None:
    options_header = Header(default=None, alias="Sforce-Call-Options")

    @app.patch("/sobjects/{sobject}/ExtId__c/{value}")
    def upsert(
        sobject: str,
        value: str,
        body: dict[str, Any],
        response: Response,
        call_options: str | None = options_header,
    ) -> dict[str, Any]:
        _check_type(sobject)
        with capture.call(call_options):
            current = store.get_by_external_id(sobject, value)
            if current is None:
                new_id = _new_id(store, sobject)
                record = store.insert(sobject, _fields(body), external_id=value, record_id=new_id)
            else:
                record = store.update(sobject, current.id, current.body | _fields(body))
        response.status_code = 201 if current is None else 200
        return {"id": record.id, "success": True, "created": current is None}

    @app.patch("/sobjects/{sobject}/{record_id}", status_code=204)
    def update(
        sobject: str,
        record_id: str,
        body: dict[str, Any],
        call_options: str | None = options_header,
    ) -> None:
        with capture.call(call_options):
            current = _sobject(store, sobject, record_id)
            store.update(sobject, record_id, current.body | _fields(body))

    @app.patch("/composite/sobjects")
    def update_many(
        body: dict[str, Any], call_options: str | None = options_header
    ) -> list[dict[str, Any]]:
        """Update several records in one call; alike changes share one CDC event."""
        with capture.call(call_options):
            for item in body.get("records", []):
                sobject = item.get("attributes", {}).get("type", "")
                current = _sobject(store, sobject, item.get("Id", ""))
                store.update(sobject, current.id, current.body | _fields(item))
        return [{"id": item.get("Id"), "success": True} for item in body.get("records", [])]

    @app.delete("/sobjects/{sobject}/{record_id}", status_code=204)
    def delete(sobject: str, record_id: str, call_options: str | None = options_header) -> None:
        with capture.call(call_options):
            current = _sobject(store, sobject, record_id)
            store.update(sobject, record_id, current.body, deleted=True)

    @app.post("/sobjects/{sobject}/{record_id}/undelete")
    def undelete(
        sobject: str, record_id: str, call_options: str | None = options_header
    ) -> dict[str, Any]:
        with capture.call(call_options):
            current = _sobject(store, sobject, record_id)
            store.update(sobject, record_id, current.body, deleted=False)
        return {"id": record_id, "success": True}

    @app.get("/sobjects/{sobject}/ExtId__c/{value}")
    def read_by_external_id(sobject: str, value: str) -> dict[str, Any]:
        record = store.get_by_external_id(sobject, value)
        if record is None or record.deleted:
            raise not_found(sobject, value)
        return _render(record)

    @app.get("/sobjects/{sobject}/{record_id}")
    def read(sobject: str, record_id: str) -> dict[str, Any]:
        record = _sobject(store, sobject, record_id)
        if record.deleted:
            raise SandboxError(404, "ENTITY_IS_DELETED", f"{sobject} {record_id} is deleted")
        return _render(record)

    @app.get("/sobjects/{sobject}")
    def listing(
        sobject: str,
        updated_since: str | None = None,
        page: str | None = None,
        limit: int = Query(100, ge=1, le=2000),
    ) -> dict[str, Any]:
        _check_type(sobject)
        since = optional_instant(updated_since)
        return page_json(
            store.list_changed(sobject, updated_since=since, page=page, limit=limit), _render
        )


def _render(record: Record) -> dict[str, Any]:
    return {
        "attributes": {"type": record.kind},
        "Id": record.id,
        "ExtId__c": record.external_id,
        "SystemModstamp": record.updated_at,
        **record.body,
    }


def _add_feed_routes(
    app: FastAPI, store: SandboxStore, clock: SandboxClock, quota: RequestQuota
) -> None:
    @app.get("/cdc")
    def change_events(after: int = 0, limit: int = Query(200, ge=1, le=2000)) -> dict[str, Any]:
        """CDC events after replay id `after`, oldest first, within the 72 h retention."""
        oldest = format_instant(clock.now() - RETENTION)
        events = store.events(after_seq=after, since=oldest, limit=limit)
        return {
            "events": [{"replayId": e.seq, **e.body} for e in events],
            "latest_replay_id": events[-1].seq if events else after,
        }

    @app.get("/limits")
    def limits() -> dict[str, Any]:
        return {"DailyApiRequests": {"Max": quota.limit, "Remaining": quota.remaining(clock.now())}}
