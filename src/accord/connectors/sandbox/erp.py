"""The connector to the sandbox ERP (NetSuite-like), implementing `ErpGateway`.

Postings are upserts by external id (the caller's idempotency key), so a retried or
replayed posting leaves one document. The ERP's dimensions (department / class /
location) are not part of the canonical invoice: config `dimensions` gives them per
legal entity, e.g. `{"DE01": {"department": "Consulting"}}`. A missing mandatory one is
refused by the ERP and surfaces as `RejectedError` with the ERP's reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import quote

from accord.canonical.v1 import (
    TYPE_CODES,
    ChargeKind,
    Customer,
    DocumentKind,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    Project,
    TaxCategory,
)
from accord.connectors.sandbox.common import (
    UpdatedSinceStream,
    all_items,
    change_status,
    check_reachable,
    client_from_config,
    read_optional,
)
from accord.connectors.sandbox.listings import listing_ports
from accord.connectors.sdk import (
    CheckResult,
    ExternalIdUpsert,
    PostedDocument,
    RejectedError,
    Stream,
    System,
    idempotency_key,
)
from accord.domain.billing.posting_check import DocumentTotals

NAME = "sandbox-erp"
COLLECTION = {
    DocumentKind.INVOICE: "invoices",
    DocumentKind.CREDIT_NOTE: "credit-notes",
    DocumentKind.PREPAYMENT: "prepayments",
}
STATUS = {"open": "posted", "partially_paid": "partially_paid", "paid": "paid"}
CENT = Decimal("0.01")


class SandboxErpConnector:
    """Connector and `ErpGateway` for the sandbox ERP."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self._listings = listing_ports(config, "erp")
        self._config = dict(config)
        self._client = client_from_config(config, NAME)
        self._dimensions: dict[str, dict[str, str]] = dict(config.get("dimensions", {}))

    @property
    def name(self) -> str:
        return NAME

    @property
    def system(self) -> System:
        return "erp"

    def check(self, config: Mapping[str, Any]) -> CheckResult:
        return check_reachable(config, NAME, "/documents")

    def streams(self) -> list[Stream]:
        return [
            UpdatedSinceStream("payments", self._client, "/payments", payment_from_erp),
            UpdatedSinceStream("documents", self._client, "/documents", invoice_from_erp),
        ]

    def ports(self) -> dict[str, object]:
        return {"ErpGateway": self, **self._listings}

    def upsert_customer(self, customer: Customer) -> str:
        fields = {"name": customer.name, "country": customer.country, "tax_id": customer.tax_id}
        return str(
            ExternalIdUpsert("erp", "customers", customer.id, fields)
            .send(self._client)
            .json()["id"]
        )

    def upsert_project(self, project: Project) -> str:
        fields = {
            "name": project.name,
            "customer": project.customer or "",
            "subsidiary": project.entity,
            "contract": project.contract,
        }
        return str(
            ExternalIdUpsert("erp", "projects", project.id, fields).send(self._client).json()["id"]
        )

    def deactivate_project(self, project_id: str) -> None:
        change_status(self._client, f"/projects/eid:{quote(project_id, safe='')}/deactivate")

    def read_project(self, project_id: str) -> dict[str, Any] | None:
        """The project (job) as the ERP holds it, or None."""
        return read_optional(self._client, f"/projects/eid:{quote(project_id, safe='')}")

    def post_invoice(self, invoice: Invoice, idempotency_key: str) -> PostedDocument:
        """Post the document once per key; a refusal raises `RejectedError` with the reason."""
        path = f"/{COLLECTION[invoice.kind]}/eid:{quote(idempotency_key, safe='')}"
        body = self._document(invoice)
        try:
            response = self._client.put(path, json=body, idempotency_key=idempotency_key)
        except RejectedError as error:
            raise RejectedError(
                error.status, error.body, error.problem, reason=_erp_reason(invoice, error)
            ) from error
        return _posted(response.json())

    def get_invoice(self, number: str) -> PostedDocument | None:
        try:
            response = self._client.get(f"/documents/{quote(number, safe='')}")
        except RejectedError as error:
            if error.status == 404:
                return None
            raise
        return _posted(response.json())

    def list_documents(self) -> Sequence[Invoice]:
        return [invoice_from_erp(item) for item in all_items(self._client, "/documents")]

    def list_payments(self, since: dt.date | None) -> Sequence[Payment]:
        payments = [payment_from_erp(item) for item in all_items(self._client, "/payments")]
        return [p for p in payments if since is None or p.received_on >= since]

    def register_payment(
        self,
        invoice_number: str,
        amount: Decimal,
        currency: str,
        received_on: dt.date,
        payment_id: str,
    ) -> Payment:
        """Record a customer payment in the ERP (what the firm's AR clerk does), once per id."""
        body = {
            "invoice_number": invoice_number,
            "amount": amount,
            "currency": currency,
            "date": received_on,
            "external_id": payment_id,
        }
        key = idempotency_key("erp", "payment", payment_id)
        return payment_from_erp(
            self._client.post("/payments", json=body, idempotency_key=key).json()
        )

    def close_period(self, entity: str, period: str) -> None:
        """Close an accounting period of a subsidiary (YYYY-MM): no posting may be dated in it."""
        self._client.post("/periods/close", json={"subsidiary": entity, "period": period})

    def configure_dimensions(self, dimensions: Mapping[str, Mapping[str, str]]) -> None:
        """Replace the per-entity dimensions (finance fixed the mapping): postings from
        now on carry them, so a replayed rejection can go through."""
        self._dimensions = {entity: dict(values) for entity, values in dimensions.items()}

    def summary(self) -> dict[str, Any]:
        """Document count and gross totals per currency, as the ERP reports them."""
        result: dict[str, Any] = self._client.get("/summary").json()
        return result

    def _document(self, invoice: Invoice) -> dict[str, Any]:
        dimensions = self._dimensions.get(invoice.entity, {})
        return {
            "number": invoice.number,
            "customer": invoice.customer,
            "subsidiary": invoice.entity,
            "currency": invoice.currency,
            "tran_date": invoice.issue_date,
            "project": invoice.contract,
            "memo": invoice.id,
            "references": invoice.references,
            **dimensions,
            "lines": _lines(invoice),
        }


def _lines(invoice: Invoice) -> list[dict[str, Any]]:
    """ERP lines with tax per line; rounding leftovers go to the last taxed line, so the
    ERP's total tax equals the invoice's (computed per tax group, EN 16931 BR-CO-17).
    Each line names what it bills (time entries and their hours, expense, milestone) in
    the ERP's line fields, so reconciliation can find an item billed twice there."""
    taxes = [
        (line.net * line.tax_rate / 100).quantize(CENT, ROUND_HALF_UP) for line in invoice.lines
    ]
    leftover = invoice.tax_total - sum(taxes, Decimal(0))
    taxed = [i for i, line in enumerate(invoice.lines) if line.tax_rate] or [len(taxes) - 1]
    if taxes:
        taxes[taxed[-1]] += leftover
    return [
        {
            "description": line.description,
            "quantity": line.quantity,
            "rate": line.unit_price,
            "amount": line.net,
            "tax_code": line.tax_category.value,
            "tax_rate": line.tax_rate,
            "tax_amount": tax,
            "item": line.kind.value,
            "term": line.term,
            "time_entries": line.time_entry_ids,
            "time_entry_hours": line.time_entry_hours,
            "expense": line.expense_id,
            "milestone": line.milestone_id,
        }
        for line, tax in zip(invoice.lines, taxes, strict=True)
    ]


def _erp_reason(invoice: Invoice, error: RejectedError) -> str:
    detail = (error.problem or {}).get("error", {})
    code = detail.get("code", f"HTTP {error.status}")
    message = detail.get("message", error.body)
    return f"ERP refused {invoice.business_key()}: {code}: {message}"


def _posted(item: Mapping[str, Any]) -> PostedDocument:
    """The document as the ERP answered, with the totals it computed from the lines."""
    totals = DocumentTotals(
        currency=item["currency"],
        untaxed=Decimal(item["net_total"]),
        tax=Decimal(item["tax_total"]),
        total=Decimal(item["gross_total"]),
    )
    return PostedDocument(
        external_id=item["id"], number=item["number"], status=STATUS[item["status"]], totals=totals
    )


def invoice_from_erp(item: Mapping[str, Any]) -> Invoice:
    """A canonical document from the ERP's JSON (what reconciliation compares)."""
    kind = DocumentKind(item["type"])
    lines = [
        InvoiceLine(
            kind=ChargeKind(line["item"]) if line.get("item") else ChargeKind.TIME,
            term=line.get("term"),
            description=line["description"],
            quantity=Decimal(line["quantity"]),
            unit_price=Decimal(line["rate"]),
            net=Decimal(line["amount"]),
            tax_category=TaxCategory(line["tax_code"] or "S"),
            tax_rate=Decimal(line["tax_rate"]),
            time_entry_ids=line.get("time_entries") or [],
            time_entry_hours=[Decimal(h) for h in line.get("time_entry_hours") or []],
            expense_id=line.get("expense"),
            milestone_id=line.get("milestone"),
        )
        for line in item["lines"]
    ]
    return Invoice(
        id=item.get("memo") or item["number"],
        number=item["number"],
        kind=kind,
        type_code=TYPE_CODES[kind],
        contract=item.get("project") or "unknown",
        customer=item["customer"],
        entity=item["subsidiary"],
        currency=item["currency"],
        issue_date=dt.date.fromisoformat(item["tran_date"]),
        references=item.get("references", []),
        lines=lines,
        net_total=Decimal(item["net_total"]),
        tax_total=Decimal(item["tax_total"]),
        gross_total=Decimal(item["gross_total"]),
        status=InvoiceStatus(STATUS[item["status"]]),
        paid=Decimal(item["amount_paid"]),
        updated_at=dt.datetime.fromisoformat(item["updated_at"]),
        version=item["version"],
    )


def payment_from_erp(item: Mapping[str, Any]) -> Payment:
    return Payment(
        id=item.get("external_id") or item["id"],
        invoice=item["invoice_number"],
        amount=Decimal(item["amount"]),
        currency=item["currency"],
        received_on=dt.date.fromisoformat(item["date"]),
        customer=item.get("customer"),
        updated_at=dt.datetime.fromisoformat(item["updated_at"]),
        version=item["version"],
    )


def connector_factory(config: Mapping[str, Any]) -> SandboxErpConnector:
    """Entry point `sandbox-erp`: a connector to the sandbox ERP at `config["base_url"]`."""
    return SandboxErpConnector(config)
