"""A Kantata-like PSA: projects, milestones, time entries, expenses and an event feed.

The event feed (`GET /events`) is pull-only, keeps 9 simulated days, is unordered and may
deliver duplicates (fault kinds `reorder`, `duplicate`); each event carries the previous
and current payload. Throttling is 429 without Retry-After. There is no idempotency key:
writers deduplicate through `external_reference`, which this API upserts on. A project
has one rate card (`PUT /projects/eid:{id}/rate_card`) and is closed, not deleted
(`POST /projects/eid:{id}/close`, status `closed`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from accord.connectors.sandbox.clock import SandboxClock, format_instant
from accord.connectors.sandbox.faults import FaultPlan
from accord.connectors.sandbox.feed import deliver
from accord.connectors.sandbox.service import (
    SandboxError,
    add_status_route,
    add_upsert_routes,
    create_system_app,
    not_found,
    optional_instant,
    page_json,
    parse_filters,
)
from accord.connectors.sandbox.store import Record, SandboxStore

RETENTION = timedelta(days=9)
FEED_KINDS = {"project", "milestone", "time_entry", "expense"}


class ProjectIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str
    customer: str | None = None
    contract: str | None = None
    currency: str | None = None


class MilestoneIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    project: str
    name: str
    term: str | None = None
    accepted: bool = False
    accepted_on: date | None = None


class TimeEntryIn(BaseModel):
    """Kantata's time entry fields; `external_reference` is the writer's dedup key."""

    model_config = ConfigDict(extra="forbid")
    project: str
    user_id: str
    date_performed: date
    time_in_minutes: int = Field(ge=0)
    billable: bool = True
    rate_in_cents: int | None = None
    currency: str | None = None
    approved: bool = True
    rejected: bool = False
    notes: str | None = None
    term: str | None = None
    invoice_id: str | None = None
    external_reference: str | None = None


class ExpenseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    project: str
    user_id: str
    date: date
    amount: Decimal
    currency: str = Field(min_length=3, max_length=3)
    billable: bool = True
    approved: bool = True
    rejected: bool = False
    category: str | None = None
    invoice_id: str | None = None
    external_reference: str | None = None


class InvoiceMarking(BaseModel):
    invoice_id: str
    entry_ids: list[str] = Field(min_length=1)


def create_app(
    state_dir: Path | None,
    clock: SandboxClock,
    faults: FaultPlan,
    options: Mapping[str, Any] | None = None,
) -> FastAPI:
    store = SandboxStore("psa", state_dir, clock)
    store.listeners.append(_feed_writer(store))
    app = create_system_app("psa", store, clock, faults, throttle_retry_after=None)
    add_upsert_routes(app, store, "projects", "project", ProjectIn)
    add_status_route(app, store, "projects", "project", "close", {"status": "closed"})
    _add_rate_card_routes(app, store)
    add_upsert_routes(app, store, "milestones", "milestone", MilestoneIn, filters=("project",))
    _add_entry_routes(app, store, "time_entries", "time_entry", TimeEntryIn)
    _add_entry_routes(app, store, "expenses", "expense", ExpenseIn)
    _add_invoicing_routes(app, store)
    _add_feed_route(app, store, clock, faults)
    return app


def _feed_writer(store: SandboxStore) -> Any:
    def record_event(kind: str, previous: Record | None, current: Record) -> None:
        if kind not in FEED_KINDS:
            return
        action = "created" if previous is None else "deleted" if current.deleted else "updated"
        store.append_event(
            {
                "event_type": f"{kind}:{action}",
                "subject_type": kind,
                "subject_id": current.id,
                "previous": previous.to_json() if previous else None,
                "current": current.to_json(),
            }
        )

    return record_event


def _add_entry_routes(
    app: FastAPI, store: SandboxStore, collection: str, kind: str, model: type[BaseModel]
) -> None:
    @app.post(f"/{collection}", status_code=201)
    def create(entry: dict[str, Any], response: Response) -> dict[str, Any]:
        data = model.model_validate(entry).model_dump(mode="json")
        reference = data.get("external_reference")
        if reference:
            record, created = store.upsert_external(kind, reference, data)
            response.status_code = 201 if created else 200
            return record.to_json()
        return store.insert(kind, data).to_json()

    @app.patch(f"/{collection}/{{entry_id}}")
    def change(entry_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        with store.transaction():
            current = _existing(store, kind, entry_id)
            data = model.model_validate(current.body | changes).model_dump(mode="json")
            return store.update(kind, entry_id, data).to_json()

    @app.delete(f"/{collection}/{{entry_id}}", status_code=204)
    def delete(entry_id: str) -> None:
        with store.transaction():
            current = _existing(store, kind, entry_id)
            store.update(kind, entry_id, current.body, deleted=True)

    @app.get(f"/{collection}/{{entry_id}}")
    def read(entry_id: str) -> dict[str, Any]:
        return _existing(store, kind, entry_id).to_json()

    @app.get(f"/{collection}")
    def listing(
        updated_since: str | None = None,
        page: str | None = None,
        limit: int = Query(100, ge=1, le=1000),
        filter: list[str] = Query(default_factory=list),
    ) -> dict[str, Any]:
        where = parse_filters(filter, ("project", "user_id", "invoice_id", "approved"))
        since = optional_instant(updated_since)
        return page_json(
            store.list_changed(kind, updated_since=since, page=page, limit=limit, where=where)
        )


def _existing(store: SandboxStore, kind: str, entry_id: str) -> Record:
    record = store.get(kind, entry_id)
    if record is None or record.deleted:
        raise not_found(kind, entry_id)
    return record


class RateCardIn(BaseModel):
    """A project's rate card: role and person rates by term, and not-to-exceed budgets."""

    model_config = ConfigDict(extra="forbid")
    currency: str = Field(min_length=3, max_length=3)
    rates: list[dict[str, Any]] = Field(default_factory=list)
    person_rates: list[dict[str, Any]] = Field(default_factory=list)
    budgets: list[dict[str, Any]] = Field(default_factory=list)


def _add_rate_card_routes(app: FastAPI, store: SandboxStore) -> None:
    @app.put("/projects/eid:{external_id}/rate_card")
    def set_rate_card(external_id: str, card: RateCardIn, response: Response) -> dict[str, Any]:
        """Replace the project's rate card (one per project, keyed by the project)."""
        with store.transaction():
            if store.get_by_external_id("project", external_id) is None:
                raise not_found("project", external_id)
            body = card.model_dump(mode="json") | {"project": external_id}
            record, created = store.upsert_external("rate_card", external_id, body)
        response.status_code = 201 if created else 200
        return record.to_json()

    @app.get("/projects/eid:{external_id}/rate_card")
    def read_rate_card(external_id: str) -> dict[str, Any]:
        record = store.get_by_external_id("rate_card", external_id)
        if record is None:
            raise not_found("rate_card", external_id)
        return record.to_json()


def _add_invoicing_routes(app: FastAPI, store: SandboxStore) -> None:
    @app.post("/time_entries/invoice")
    def mark_invoiced(marking: InvoiceMarking) -> dict[str, Any]:
        """Set `invoice_id` on entries (by id or external reference); repeats are no-ops."""
        with store.transaction():
            entries = [_entry_by_any_id(store, key) for key in marking.entry_ids]
            for entry in entries:
                if entry.body.get("invoice_id") not in (None, marking.invoice_id):
                    raise SandboxError(
                        409,
                        "ALREADY_INVOICED",
                        f"time entry {entry.id} is already on invoice {entry.body['invoice_id']}",
                    )
            for entry in entries:
                store.update(
                    "time_entry", entry.id, entry.body | {"invoice_id": marking.invoice_id}
                )
        return {"invoice_id": marking.invoice_id, "entries": len(entries)}

    @app.get("/invoiced_entries/count")
    def invoiced_count() -> dict[str, int]:
        entries = store.all("time_entry")
        return {"count": sum(1 for e in entries if e.body.get("invoice_id"))}


def _entry_by_any_id(store: SandboxStore, key: str) -> Record:
    record = store.get("time_entry", key) or store.get_by_external_id("time_entry", key)
    if record is None:
        raise not_found("time_entry", key)
    return record


def _add_feed_route(
    app: FastAPI, store: SandboxStore, clock: SandboxClock, faults: FaultPlan
) -> None:
    @app.get("/events")
    def events(
        since: str | None = None,
        page: str | None = None,
        limit: int = Query(100, ge=1, le=1000),
    ) -> dict[str, Any]:
        """Events at or after `since` (and inside the 9-day retention), in delivery order.

        `page` continues one read: it pins the newest event of the first page, so events
        arriving meanwhile wait for the next read instead of shifting the pages.
        """
        now = clock.now()
        oldest = format_instant(now - RETENTION)
        requested = optional_instant(since)
        floor = max(oldest, format_instant(requested)) if requested else oldest
        upto, offset = _parse_page(page)
        found = [
            e for e in store.events(since=floor, limit=1_000_000) if upto is None or e.seq <= upto
        ]
        upto = upto if upto is not None else max((e.seq for e in found), default=0)
        delivered = deliver(found, faults, now, "/events")
        chunk = delivered[offset : offset + limit]
        more = offset + limit < len(delivered)
        return {
            "events": [
                {"id": f"evt-{e.seq}", "occurred_at": e.occurred_at, **e.body} for e in chunk
            ],
            "next_page": f"{upto}:{offset + limit}" if more else None,
            "retained_since": oldest,
        }


def _parse_page(page: str | None) -> tuple[int | None, int]:
    if not page:
        return None, 0
    try:
        upto, offset = page.split(":")
        return int(upto), int(offset)
    except ValueError:
        raise SandboxError(
            400, "INVALID_PAGE", f"{page!r} is not a page token from this feed"
        ) from None
