"""A NetSuite-like ERP: customers, jobs, invoices with dimensions, payments, closed periods.

Behaviours worth a connector's care: upsert by external id (`PUT .../eid:{id}`), postings
rejected when a mandatory dimension is missing or the date is in a closed period (400,
nothing stored), and an account-wide concurrency limit answered with
429 `SSS_REQUEST_LIMIT_EXCEEDED` (no Retry-After, like NetSuite). A job is deactivated
(`POST /projects/eid:{id}/deactivate` sets `isinactive`, NetSuite's flag) rather than
deleted, so its customer link stays readable.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from accord.connectors.sandbox.clock import SandboxClock
from accord.connectors.sandbox.faults import FaultPlan
from accord.connectors.sandbox.service import (
    SandboxError,
    add_status_route,
    add_upsert_routes,
    create_system_app,
    not_found,
    optional_instant,
    page_json,
    route_path,
)
from accord.connectors.sandbox.store import Record, SandboxStore

DIMENSIONS = ("department", "class", "location")
COLLECTIONS = {"invoices": "invoice", "credit-notes": "credit_note", "prepayments": "prepayment"}


@dataclass
class ErpSettings:
    """Account configuration: which dimensions each subsidiary requires, the concurrency cap."""

    concurrency_limit: int = 5
    mandatory_dimensions: dict[str, list[str]] = field(default_factory=dict)

    def required_for(self, subsidiary: str) -> list[str]:
        return self.mandatory_dimensions.get(subsidiary, self.mandatory_dimensions.get("*", []))


class Dimensions(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    department: str | None = None
    class_: str | None = Field(default=None, alias="class")
    location: str | None = None

    def value(self, name: str) -> str | None:
        return self.class_ if name == "class" else getattr(self, name)


class DocumentLineIn(Dimensions):
    description: str
    quantity: Decimal
    rate: Decimal
    amount: Decimal
    tax_code: str | None = None
    tax_rate: Decimal = Decimal("0")
    tax_amount: Decimal = Decimal("0")
    item: str | None = None
    term: str | None = None
    time_entries: list[str] = Field(default_factory=list)
    time_entry_hours: list[Decimal] = Field(default_factory=list)
    expense: str | None = None
    milestone: str | None = None


class DocumentIn(Dimensions):
    """An invoice, credit note or prepayment as the ERP's REST API accepts it."""

    number: str | None = None
    customer: str
    subsidiary: str
    currency: str = Field(min_length=3, max_length=3)
    tran_date: date
    project: str | None = None
    memo: str | None = None
    references: list[str] = Field(default_factory=list)
    lines: list[DocumentLineIn] = Field(min_length=1)


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str
    subsidiary: str | None = None
    currency: str | None = None
    country: str | None = None


class ProjectIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str
    customer: str
    subsidiary: str | None = None
    billing_type: Literal["time_and_materials", "fixed_bid_milestone", "charge_based"] = (
        "time_and_materials"
    )


class PaymentIn(BaseModel):
    invoice_number: str
    amount: Decimal = Field(gt=0)
    currency: str = Field(min_length=3, max_length=3)
    date: date
    external_id: str | None = None


class PeriodClosing(BaseModel):
    subsidiary: str
    period: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")


def create_app(
    state_dir: Path | None,
    clock: SandboxClock,
    faults: FaultPlan,
    options: Mapping[str, Any] | None = None,
) -> FastAPI:
    """The ERP app; `options` may set `concurrency_limit` and `mandatory_dimensions`."""
    settings = ErpSettings(**dict(options or {}))
    store = SandboxStore("erp", state_dir, clock)
    app = create_system_app("erp", store, clock, faults, throttle_retry_after=1.0)
    app.state.settings = settings
    _add_master_data_routes(app, store)
    _add_document_routes(app, store, settings)
    _add_payment_and_period_routes(app, store)
    _add_settings_routes(app, settings)
    app.middleware("http")(_concurrency_limit(settings))
    return app


def _concurrency_limit(
    settings: ErpSettings,
) -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    in_flight = 0

    async def limit(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        nonlocal in_flight
        if route_path(request).startswith("/_sandbox"):
            return await call_next(request)
        if in_flight >= settings.concurrency_limit:
            message = (
                f"more than {settings.concurrency_limit} concurrent requests for this account;"
                " retry when one of them has finished"
            )
            return SandboxError(429, "SSS_REQUEST_LIMIT_EXCEEDED", message).response()
        in_flight += 1
        try:
            return await call_next(request)
        finally:
            in_flight -= 1

    return limit


def _add_master_data_routes(app: FastAPI, store: SandboxStore) -> None:
    for collection, kind, model in (
        ("customers", "customer", CustomerIn),
        ("projects", "project", ProjectIn),
    ):
        add_upsert_routes(app, store, collection, kind, model)
    add_status_route(app, store, "projects", "project", "deactivate", {"isinactive": True})


def _add_document_routes(app: FastAPI, store: SandboxStore, settings: ErpSettings) -> None:
    @app.put("/{collection}/eid:{external_id}")
    def post_document(
        collection: str, external_id: str, document: DocumentIn, response: Response
    ) -> dict[str, Any]:
        kind = COLLECTIONS.get(collection)
        if kind is None:
            raise not_found("record type", collection)
        _check_dimensions(document, settings.required_for(document.subsidiary))
        _check_open_period(store, document.subsidiary, document.tran_date)
        with store.transaction():
            existing = store.get_by_external_id("document", external_id)
            number = document.number or (existing.body["number"] if existing else None)
            body = _document_body(kind, document, number or _next_number(store, kind, document))
            if existing is not None:
                body.update({k: existing.body[k] for k in ("amount_paid", "status")})
            record, created = store.upsert_external("document", external_id, body)
        response.status_code = 201 if created else 200
        return record.to_json()

    @app.get("/{collection}/eid:{external_id}")
    def read_document(collection: str, external_id: str) -> dict[str, Any]:
        record = store.get_by_external_id("document", external_id)
        if record is None or collection not in COLLECTIONS:
            raise not_found("document", external_id)
        return record.to_json()

    @app.get("/documents")
    def list_documents(
        updated_since: str | None = None,
        page: str | None = None,
        limit: int = 100,
        type: str | None = None,
    ) -> dict[str, Any]:
        since = optional_instant(updated_since)
        where = {"type": type} if type else None
        return page_json(
            store.list_changed("document", updated_since=since, page=page, limit=limit, where=where)
        )

    @app.get("/documents/{number}")
    def read_by_number(number: str) -> dict[str, Any]:
        return _document_by_number(store, number).to_json()

    @app.get("/summary")
    def summary() -> dict[str, Any]:
        return _summary(store.all("document"))


def _check_dimensions(document: DocumentIn, required: list[str]) -> None:
    for name in required:
        if document.value(name):
            continue
        missing = [i + 1 for i, line in enumerate(document.lines) if not line.value(name)]
        if missing:
            raise SandboxError(
                400,
                "MISSING_MANDATORY_DIMENSION",
                f"subsidiary {document.subsidiary} requires the {name} dimension; set it on the"
                f" document or on line(s) {missing}",
                dimension=name,
                subsidiary=document.subsidiary,
                lines=missing,
            )


def _check_open_period(store: SandboxStore, subsidiary: str, day: date) -> None:
    period = f"{day.year:04d}-{day.month:02d}"
    if store.get_by_external_id("closed_period", f"{subsidiary}:{period}") is not None:
        raise SandboxError(
            400,
            "PERIOD_CLOSED",
            f"period {period} of subsidiary {subsidiary} is closed;"
            " date the posting in an open period",
            subsidiary=subsidiary,
            period=period,
        )


def _next_number(store: SandboxStore, kind: str, document: DocumentIn) -> str:
    prefix = "CN" if kind == "credit_note" else "INV"
    return (
        f"{prefix}-{document.subsidiary}-{store.next_number(f'{prefix}:{document.subsidiary}'):06d}"
    )


def _document_body(kind: str, document: DocumentIn, number: str) -> dict[str, Any]:
    data = document.model_dump(mode="json", by_alias=True)
    net = sum((line.amount for line in document.lines), Decimal("0"))
    tax = sum((line.tax_amount for line in document.lines), Decimal("0"))
    data.update(
        type=kind,
        number=number,
        net_total=str(net),
        tax_total=str(tax),
        gross_total=str(net + tax),
        amount_paid="0",
        status="open",
    )
    return data


def _document_by_number(store: SandboxStore, number: str) -> Record:
    matches = store.all("document", where={"number": number})
    if not matches:
        raise SandboxError(404, "INVOICE_NOT_FOUND", f"no document numbered {number!r}")
    return matches[0]


def _summary(documents: list[Record]) -> dict[str, Any]:
    """Counts and gross totals per currency; credit notes count against the total."""
    gross: dict[str, Decimal] = {}
    by_type: dict[str, int] = {}
    for record in documents:
        body = record.body
        amount = Decimal(body["gross_total"])
        signed = -abs(amount) if body["type"] == "credit_note" else amount
        gross[body["currency"]] = gross.get(body["currency"], Decimal("0")) + signed
        by_type[body["type"]] = by_type.get(body["type"], 0) + 1
    return {
        "documents": len(documents),
        "by_type": by_type,
        "gross_total_by_currency": {c: str(v) for c, v in sorted(gross.items())},
    }


def _add_payment_and_period_routes(app: FastAPI, store: SandboxStore) -> None:
    @app.post("/payments", status_code=201)
    def record_payment(payment: PaymentIn, response: Response) -> dict[str, Any]:
        with store.transaction():
            if payment.external_id:
                existing = store.get_by_external_id("payment", payment.external_id)
                if existing is not None:
                    response.status_code = 200
                    return existing.to_json()
            document = _document_by_number(store, payment.invoice_number)
            _apply_payment(store, document, payment)
            body = payment.model_dump(mode="json") | {"customer": document.body["customer"]}
            return store.insert("payment", body, external_id=payment.external_id).to_json()

    @app.get("/payments")
    def list_payments(
        updated_since: str | None = None, page: str | None = None, limit: int = 100
    ) -> dict[str, Any]:
        since = optional_instant(updated_since)
        return page_json(store.list_changed("payment", updated_since=since, page=page, limit=limit))

    @app.post("/periods/close", status_code=201)
    def close_period(closing: PeriodClosing) -> dict[str, Any]:
        key = f"{closing.subsidiary}:{closing.period}"
        record, _ = store.upsert_external("closed_period", key, closing.model_dump())
        return record.to_json()

    @app.get("/periods/closed")
    def closed_periods() -> list[dict[str, Any]]:
        return [r.to_json() for r in store.all("closed_period")]


def _apply_payment(store: SandboxStore, document: Record, payment: PaymentIn) -> None:
    body = dict(document.body)
    if payment.currency != body["currency"]:
        raise SandboxError(
            400,
            "CURRENCY_MISMATCH",
            f"{body['number']} is in {body['currency']}, the payment in {payment.currency}",
        )
    _check_open_period(store, body["subsidiary"], payment.date)
    paid = Decimal(body["amount_paid"]) + payment.amount
    body["amount_paid"] = str(paid)
    body["status"] = "paid" if paid >= Decimal(body["gross_total"]) else "partially_paid"
    store.update("document", document.id, body)


class SettingsIn(BaseModel):
    concurrency_limit: int | None = Field(default=None, ge=1)
    mandatory_dimensions: dict[str, list[Literal["department", "class", "location"]]] | None = None


def _add_settings_routes(app: FastAPI, settings: ErpSettings) -> None:
    @app.get("/_sandbox/settings")
    def read_settings() -> dict[str, Any]:
        return {
            "concurrency_limit": settings.concurrency_limit,
            "mandatory_dimensions": settings.mandatory_dimensions,
        }

    @app.patch("/_sandbox/settings")
    def change_settings(change: SettingsIn) -> dict[str, Any]:
        if change.concurrency_limit is not None:
            settings.concurrency_limit = change.concurrency_limit
        if change.mandatory_dimensions is not None:
            settings.mandatory_dimensions = {
                k: list(v) for k, v in change.mandatory_dimensions.items()
            }
        return read_settings()
