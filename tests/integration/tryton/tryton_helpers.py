"""Canonical test documents, and what a Tryton user does by hand (registering a payment)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal
from typing import Any

import httpx

from accord.canonical.v1 import Customer, Invoice, InvoiceLine, Project
from accord.connectors.tryton.rpc import TrytonRpc

VAT = Decimal("19.00")


def unique(prefix: str) -> str:
    """Tests share one Tryton database per session, so every key is unique."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def customer(customer_id: str, name: str = "Acme GmbH") -> Customer:
    return Customer(
        id=customer_id,
        name=name,
        country="DE",
        street="Friedrichstraße 1",
        city="Berlin",
        postal_code="10117",
        email="billing@acme.example",
    )


def project(project_id: str, customer_id: str) -> Project:
    return Project(id=project_id, contract="K-1", name="ERP migration", customer=customer_id)


def line(description: str, quantity: str, unit_price: str, kind: str = "time") -> InvoiceLine:
    net = Decimal(quantity) * Decimal(unit_price)
    return InvoiceLine(
        kind=kind,  # type: ignore[arg-type]
        description=description,
        quantity=Decimal(quantity),
        unit_price=Decimal(unit_price),
        net=net.quantize(Decimal("0.01")),
        tax_category="S",  # type: ignore[arg-type]
        tax_rate=VAT,
    )


def document(
    number: str,
    customer_id: str,
    lines: list[InvoiceLine],
    *,
    credit_for: str | None = None,
    issue_date: dt.date = dt.date(2026, 11, 1),
) -> Invoice:
    net = sum((item.net for item in lines), Decimal(0))
    tax = (net * VAT / 100).quantize(Decimal("0.01"))
    kind = "credit_note" if credit_for else "invoice"
    return Invoice(
        id=unique("D"),
        number=number,
        kind=kind,  # type: ignore[arg-type]
        type_code="381" if credit_for else "380",
        contract="K-1",
        customer=customer_id,
        entity="DE01",
        currency="EUR",
        issue_date=issue_date,
        references=[credit_for] if credit_for else [],
        lines=lines,
        net_total=net,
        tax_total=tax,
        gross_total=net + tax,
    )


def register_payment(rpc: TrytonRpc, invoice_id: int, amount: Decimal, on: dt.date) -> None:
    """Pay an invoice in Tryton as a user would: its *Pay* wizard, by bank transfer.

    A partial amount answers the wizard's follow-up question with "partial payment".
    """
    context = {"active_model": "account.invoice", "active_id": invoice_id}
    context["active_ids"] = [invoice_id]
    wizard, start, _ = rpc.call("wizard.account.invoice.pay.create")
    try:
        view = rpc.call("wizard.account.invoice.pay.execute", wizard, {}, start, context=context)
        (method,) = rpc.model("account.invoice.payment.method", "search", [], 0, 1, None)
        data: dict[str, Any] = {
            "start": {**_values(view), "amount": amount, "payment_method": method, "date": on}
        }
        result = rpc.call(
            "wizard.account.invoice.pay.execute", wizard, data, "choice", context=context
        )
        if "view" in result:
            data["ask"] = {**_values(result), "type": "partial"}
            rpc.call("wizard.account.invoice.pay.execute", wizard, data, "pay", context=context)
    finally:
        rpc.call("wizard.account.invoice.pay.delete", wizard)


def _values(result: dict[str, Any]) -> dict[str, Any]:
    """A wizard view's default values, without the display-only ``field.`` entries."""
    defaults: dict[str, Any] = result["view"]["defaults"]
    return {name: value for name, value in defaults.items() if not name.endswith(".")}


class TimeoutAfterDelivery(httpx.BaseTransport):
    """Delivers the first call of ``method`` to the server, then times out on the client.

    The server applies the call but the client never sees the answer: the situation in
    which a naive retry writes a second invoice.
    """

    def __init__(self, method: str) -> None:
        self.method = method
        self.inner = httpx.HTTPTransport()
        self.fired = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if not self.fired and json.loads(request.content).get("method") == self.method:
            self.fired = True
            response.read()
            response.close()
            raise httpx.ReadTimeout("forced timeout after the server answered", request=request)
        return response

    def close(self) -> None:
        self.inner.close()
