"""The connector to the sandbox billing system, implementing `BillingGateway`.

Documents are recorded by the caller's idempotency key (the billing system's external
id), terms by contract id and payments by payment id: every write is an upsert, so a
retried or replayed call leaves one record. Withdrawing terms (a rejected activation's
compensation) is a status change that is harmless to repeat.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from accord.canonical.v1 import Contract, Invoice, Payment
from accord.connectors.sandbox.common import (
    all_items,
    change_status,
    check_reachable,
    client_from_config,
    read_optional,
)
from accord.connectors.sandbox.listings import listing_ports
from accord.connectors.sdk import CheckResult, ExternalIdUpsert, Stream, System

NAME = "sandbox-billing"
_INVOICE_FIELDS = set(Invoice.model_fields) | {"from"}


class SandboxBillingConnector:
    """Connector and `BillingGateway` for the sandbox billing system."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self._listings = listing_ports(config, "billing")
        self._client = client_from_config(config, NAME)

    @property
    def name(self) -> str:
        return NAME

    @property
    def system(self) -> System:
        return "billing"

    def check(self, config: Mapping[str, Any]) -> CheckResult:
        return check_reachable(config, NAME, "/documents")

    def streams(self) -> list[Stream]:
        return []

    def ports(self) -> dict[str, object]:
        return {"BillingGateway": self, **self._listings}

    def publish_terms(self, contract: Contract) -> None:
        fields = contract.model_dump(
            mode="json", include={"customer", "entity", "currency", "terms"}
        )
        fields["status"] = "active"
        ExternalIdUpsert("billing", "contracts", contract.id, fields).send(self._client)

    def withdraw_terms(self, contract_id: str) -> None:
        change_status(self._client, f"/contracts/eid:{quote(contract_id, safe='')}/withdraw")

    def read_terms(self, contract_id: str) -> dict[str, Any] | None:
        """The contract's billing terms as the billing system holds them, or None."""
        return read_optional(self._client, f"/contracts/eid:{quote(contract_id, safe='')}")

    def record_invoice(self, invoice: Invoice, idempotency_key: str) -> str:
        fields = invoice.model_dump(mode="json") | {
            "number": invoice.business_key(),
            "invoice_id": invoice.id,
        }
        path = f"/documents/eid:{quote(idempotency_key, safe='')}"
        response = self._client.put(path, json=fields, idempotency_key=idempotency_key)
        return str(response.json()["id"])

    def record_payment(self, payment: Payment) -> None:
        fields = {
            "document_number": payment.invoice or "unapplied",
            "amount": str(payment.amount),
            "currency": payment.currency,
            "date": payment.received_on.isoformat(),
        }
        ExternalIdUpsert("billing", "payments", payment.id, fields).send(self._client)

    def list_documents(self) -> Sequence[Invoice]:
        return [
            Invoice.model_validate(
                {k: v for k, v in item.items() if k in _INVOICE_FIELDS} | {"id": item["invoice_id"]}
            )
            for item in all_items(self._client, "/documents")
        ]

    def count(self, collection: str) -> int:
        """How many records of a collection (contracts, documents, payments) it holds."""
        return sum(1 for _ in all_items(self._client, f"/{collection}"))


def connector_factory(config: Mapping[str, Any]) -> SandboxBillingConnector:
    """Entry point `sandbox-billing`: a connector to the sandbox billing system."""
    return SandboxBillingConnector(config)
