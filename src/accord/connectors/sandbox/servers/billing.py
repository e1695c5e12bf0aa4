"""A billing system: billing terms per contract, the documents Accord issues, payments.

Accord records each issued document here by its business key (`PUT /documents/eid:{key}`),
so a retried post leaves one document. Payments recorded against a document number move
its status to partially paid or paid. Terms are upserted by contract id and withdrawn
(`POST /contracts/eid:{id}/withdraw`, status `withdrawn`) when an activation is rejected.
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
    add_status_route,
    add_upsert_routes,
    create_system_app,
)
from accord.connectors.sandbox.store import SandboxStore


class BillingTermsIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    customer: str
    entity: str
    currency: str = Field(min_length=3, max_length=3)
    terms: list[dict[str, Any]] = Field(default_factory=list)


class BillingDocumentIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    number: str
    kind: str
    contract: str
    customer: str
    entity: str
    currency: str = Field(min_length=3, max_length=3)
    issue_date: date
    net_total: Decimal
    tax_total: Decimal
    gross_total: Decimal
    lines: list[dict[str, Any]] = Field(default_factory=list)
    references: list[str] = Field(default_factory=list)
    status: str = "issued"


class BillingPaymentIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    document_number: str
    amount: Decimal = Field(gt=0)
    currency: str = Field(min_length=3, max_length=3)
    date: date


def create_app(
    state_dir: Path | None,
    clock: SandboxClock,
    faults: FaultPlan,
    options: Mapping[str, Any] | None = None,
) -> FastAPI:
    store = SandboxStore("billing", state_dir, clock)
    app = create_system_app("billing", store, clock, faults, throttle_retry_after=1.0)
    add_upsert_routes(app, store, "contracts", "contract", BillingTermsIn)
    add_status_route(app, store, "contracts", "contract", "withdraw", {"status": "withdrawn"})
    add_upsert_routes(app, store, "documents", "document", BillingDocumentIn, filters=("contract",))
    add_upsert_routes(
        app, store, "payments", "payment", BillingPaymentIn, filters=("document_number",)
    )

    @app.get("/summary")
    def summary() -> dict[str, Any]:
        documents = store.all("document")
        kinds: dict[str, int] = {}
        for document in documents:
            kinds[document.body["kind"]] = kinds.get(document.body["kind"], 0) + 1
        return {"documents": len(documents), "by_kind": kinds}

    return app
