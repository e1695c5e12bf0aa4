"""A Workday-like HR system: workers, employment and cost rates by effective date.

Transfers between legal entities may be entered retroactively: a new employment record
with an `effective_from` in the past changes which entity employed the worker on dates
that were already worked (and maybe invoiced). Throttling is 429 with Retry-After.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

from accord.connectors.sandbox.clock import SandboxClock
from accord.connectors.sandbox.faults import FaultPlan
from accord.connectors.sandbox.service import (
    SandboxError,
    add_upsert_routes,
    create_system_app,
    not_found,
)
from accord.connectors.sandbox.store import Record, SandboxStore


class EmploymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entity: str
    effective_from: date


class CostRateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rate: Decimal = Field(ge=0)
    currency: str = Field(min_length=3, max_length=3)
    effective_from: date


class WorkerIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str
    role: str
    employment: list[EmploymentIn] = Field(default_factory=list)
    cost_rates: list[CostRateIn] = Field(default_factory=list)


def create_app(
    state_dir: Path | None,
    clock: SandboxClock,
    faults: FaultPlan,
    options: Mapping[str, Any] | None = None,
) -> FastAPI:
    store = SandboxStore("hr", state_dir, clock)
    app = create_system_app("hr", store, clock, faults, throttle_retry_after=1.0)
    add_upsert_routes(app, store, "workers", "worker", WorkerIn)

    @app.post("/workers/eid:{worker_id}/employment", status_code=201)
    def transfer(worker_id: str, employment: EmploymentIn) -> dict[str, Any]:
        """Record employment by an entity from a date (past dates are retroactive transfers)."""
        return _add_history(store, worker_id, "employment", employment.model_dump(mode="json"))

    @app.post("/workers/eid:{worker_id}/cost_rates", status_code=201)
    def change_cost_rate(worker_id: str, cost_rate: CostRateIn) -> dict[str, Any]:
        return _add_history(store, worker_id, "cost_rates", cost_rate.model_dump(mode="json"))

    @app.get("/workers/eid:{worker_id}/employment")
    def employer_on(worker_id: str, on: date) -> dict[str, Any]:
        worker = _worker(store, worker_id)
        current = [e for e in worker.body["employment"] if e["effective_from"] <= on.isoformat()]
        if not current:
            raise SandboxError(
                404, "NOT_EMPLOYED", f"worker {worker_id} has no employment on {on.isoformat()}"
            )
        return {"worker": worker_id, "on": on.isoformat(), "entity": current[-1]["entity"]}

    return app


def _worker(store: SandboxStore, worker_id: str) -> Record:
    worker = store.get_by_external_id("worker", worker_id)
    if worker is None:
        raise not_found("worker", worker_id)
    return worker


def _add_history(
    store: SandboxStore, worker_id: str, field: str, entry: dict[str, Any]
) -> dict[str, Any]:
    """Insert an effective-dated entry; one on the same date replaces the earlier one."""
    with store.transaction():
        worker = _worker(store, worker_id)
        history = [e for e in worker.body[field] if e["effective_from"] != entry["effective_from"]]
        history = sorted([*history, entry], key=lambda e: str(e["effective_from"]))
        return store.update("worker", worker.id, worker.body | {field: history}).to_json()
