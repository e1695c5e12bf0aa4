"""What the sandbox systems list for reconciliation: set-up contracts, projects, payments.

`SandboxListings` implements the application's `ContractListing`, `ProjectListing` and
`PaymentListing` ports structurally for one sandbox system; each sandbox connector hands
out the ones its system holds (`listing_ports`). It reads the system's paged listing
through the SDK client (retries, throttling) and reduces it to reconciliation records:
billing terms and payments (billing), projects (PSA, ERP, whose contracts are their
projects' contracts), contracts and payments (CRM).

A listing is retried less than a write (`LISTING_ATTEMPTS`): a system that cannot be
listed is reported skipped by the run, and the next run reads it again.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from accord.connectors.sandbox.common import all_items, client_from_config
from accord.connectors.sdk import LISTING_ATTEMPTS
from accord.domain.reconciliation import ContractRecord, PaymentRecord, ProjectRecord

_CRM_OBJECTS = {"contracts": "/sobjects/Contract", "payments": "/sobjects/Payment__c"}
_PORTS = {
    "billing": ("ContractListing", "PaymentListing"),
    "psa": ("ContractListing", "ProjectListing"),
    "erp": ("ContractListing", "ProjectListing"),
    "crm": ("ContractListing", "PaymentListing"),
}


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _day(value: Any) -> date | None:
    return None if not value else date.fromisoformat(str(value)[:10])


def listing_ports(config: Mapping[str, Any], system: str) -> dict[str, object]:
    """The listing ports the sandbox `system` offers, by port name, for `ports()`."""
    listings = SandboxListings(config, system)
    return {port: listings for port in _PORTS[system]}


class SandboxListings:
    """Reads one sandbox system's listings; a listing the system does not hold raises
    ValueError (its connector does not offer that port)."""

    def __init__(self, config: Mapping[str, Any], system: str) -> None:
        self._config = {"base_url": config.get("base_url"), "max_attempts": LISTING_ATTEMPTS}
        self._system = system

    def _items(self, path: str) -> Iterator[dict[str, Any]]:
        name = f"sandbox-{self._system}-reconciliation"
        with client_from_config(self._config, name) as client:
            yield from all_items(client, path)

    def contract_records(self) -> Sequence[ContractRecord]:
        """Billing terms, the PSA's or ERP's projects' contracts, or the CRM's contracts."""
        if self._system == "billing":
            return [
                ContractRecord(i["external_id"], None, i["customer"], i["entity"], i["currency"])
                for i in self._items("/contracts")
            ]
        if self._system in ("psa", "erp"):
            return [
                ContractRecord(p.contract or p.key, None, p.customer, p.entity)
                for p in self.project_records()
            ]
        if self._system == "crm":
            return [
                ContractRecord(
                    i["ExtId__c"], None, i.get("AccountNumber__c"), None, i.get("CurrencyIsoCode")
                )
                for i in self._items(_CRM_OBJECTS["contracts"])
                if i.get("ExtId__c")
            ]
        raise ValueError(f"sandbox {self._system} lists no contracts; billing, psa, erp, crm do")

    def project_records(self) -> Sequence[ProjectRecord]:
        """The PSA's or the ERP's projects."""
        if self._system not in ("psa", "erp"):
            raise ValueError(f"sandbox {self._system} lists no projects; psa and erp do")
        return [
            ProjectRecord(
                i["external_id"] or i["id"],
                None,
                i.get("contract"),
                i.get("customer") or None,
                i.get("subsidiary"),
            )
            for i in self._items("/projects")
        ]

    def payment_records(self) -> Sequence[PaymentRecord]:
        """The payments mirrored to billing or the CRM."""
        if self._system == "billing":
            return [
                PaymentRecord(
                    i["external_id"] or i["id"],
                    _day(i["date"]),
                    i["document_number"],
                    _decimal(i["amount"]),
                    i["currency"],
                )
                for i in self._items("/payments")
            ]
        if self._system == "crm":
            return [
                PaymentRecord(
                    i["ExtId__c"],
                    _day(i.get("Received_On__c")),
                    i.get("Invoice_Number__c"),
                    _decimal(i.get("Amount__c")),
                    i.get("CurrencyIsoCode"),
                )
                for i in self._items(_CRM_OBJECTS["payments"])
                if i.get("ExtId__c")
            ]
        raise ValueError(f"sandbox {self._system} lists no payments; billing and crm do")
