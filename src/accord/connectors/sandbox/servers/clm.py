"""A contract lifecycle system: contracts with billing terms, signature and amendments.

A contract is drafted with its terms, signed (status `signed`, `signed_on`), then amended:
each amendment is appended with its effective date and the changed term fields. Readers
poll `GET /contracts?updated_since=...&filter=status:signed`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any, Literal

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


class ContractIn(BaseModel):
    """A contract as drafted; `terms` keep the scenario format's term objects."""

    model_config = ConfigDict(extra="allow")
    customer: str
    entity: str
    currency: str = Field(min_length=3, max_length=3)
    start: date
    end: date | None = None
    terms: list[dict[str, Any]] = Field(default_factory=list)
    status: Literal["draft", "signed", "terminated"] = "draft"
    signed_on: date | None = None
    amendments: list[dict[str, Any]] = Field(default_factory=list)


class Signature(BaseModel):
    signed_on: date


class AmendmentIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    term: str
    effective_from: date
    changes: dict[str, Any]


def create_app(
    state_dir: Path | None,
    clock: SandboxClock,
    faults: FaultPlan,
    options: Mapping[str, Any] | None = None,
) -> FastAPI:
    store = SandboxStore("clm", state_dir, clock)
    app = create_system_app("clm", store, clock, faults, throttle_retry_after=1.0)
    add_upsert_routes(
        app, store, "contracts", "contract", ContractIn, filters=("status", "customer")
    )

    @app.post("/contracts/eid:{contract_id}/sign")
    def sign(contract_id: str, signature: Signature) -> dict[str, Any]:
        with store.transaction():
            contract = _contract(store, contract_id)
            if contract.body["status"] == "signed":
                return contract.to_json()
            body = contract.body | {
                "status": "signed",
                "signed_on": signature.signed_on.isoformat(),
            }
            return store.update("contract", contract.id, body).to_json()

    @app.post("/contracts/eid:{contract_id}/amendments", status_code=201)
    def amend(contract_id: str, amendment: AmendmentIn) -> dict[str, Any]:
        with store.transaction():
            contract = _contract(store, contract_id)
            if amendment.term not in {t.get("id") for t in contract.body["terms"]}:
                raise SandboxError(
                    400, "UNKNOWN_TERM", f"contract {contract_id} has no term {amendment.term!r}"
                )
            amendments = [*contract.body["amendments"], amendment.model_dump(mode="json")]
            return store.update(
                "contract", contract.id, contract.body | {"amendments": amendments}
            ).to_json()

    return app


def _contract(store: SandboxStore, contract_id: str) -> Record:
    contract = store.get_by_external_id("contract", contract_id)
    if contract is None:
        raise not_found("contract", contract_id)
    return contract
