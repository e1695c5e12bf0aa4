"""`LandscapeRecords` for the sandbox landscape: the listings the gateway ports lack.

Reads set-up contracts (billing terms, PSA and ERP projects, CRM contracts) and the
payment mirrors (billing, CRM) straight from each sandbox system's paged listing, through
the connector SDK's client (retries, throttling), and reduces them to reconciliation
records. `base_url` maps a system role to its URL, e.g. `Landscape.base_url`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from accord.connectors.sandbox.common import all_items, client_from_config
from accord.domain.reconciliation import ContractRecord, PaymentRecord, ProjectRecord

_CRM_OBJECTS = {"contracts": "/sobjects/Contract", "payments": "/sobjects/Payment__c"}


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _day(value: Any) -> date | None:
    return None if not value else date.fromisoformat(str(value)[:10])


class SandboxLandscapeRecords:
    """Reads the sandbox systems' listings; unknown system roles raise ValueError."""

    def __init__(self, base_url: Callable[[str], str], max_attempts: int = 3) -> None:
        self._base_url = base_url
        self._max_attempts = max_attempts

    def _items(self, system: str, path: str) -> Iterator[dict[str, Any]]:
        config = {"base_url": self._base_url(system), "max_attempts": self._max_attempts}
        with client_from_config(config, f"sandbox-{system}-reconciliation") as client:
            yield from all_items(client, path)

    def contracts(self, system: str) -> Sequence[ContractRecord]:
        if system == "billing":
            return [
                ContractRecord(i["external_id"], None, i["customer"], i["entity"], i["currency"])
                for i in self._items("billing", "/contracts")
            ]
        if system in ("psa", "erp"):
            return [
                ContractRecord(p.contract or p.key, None, p.customer, p.entity)
                for p in self.projects(system)
            ]
        if system == "crm":
            return [
                ContractRecord(
                    i["ExtId__c"], None, i.get("AccountNumber__c"), None, i.get("CurrencyIsoCode")
                )
                for i in self._items("crm", _CRM_OBJECTS["contracts"])
                if i.get("ExtId__c")
            ]
        raise ValueError(f"no contract listing for {system!r}; use billing, psa, erp or crm")

    def projects(self, system: str) -> Sequence[ProjectRecord]:
        if system not in ("psa", "erp"):
            raise ValueError(f"no project listing for {system!r}; use psa or erp")
        return [
            ProjectRecord(
                i["external_id"] or i["id"],
                None,
                i.get("contract"),
                i.get("customer") or None,
                i.get("subsidiary"),
            )
            for i in self._items(system, "/projects")
        ]

    def payments(self, system: str) -> Sequence[PaymentRecord]:
        if system == "billing":
            return [
                PaymentRecord(
                    i["external_id"] or i["id"],
                    _day(i["date"]),
                    i["document_number"],
                    _decimal(i["amount"]),
                    i["currency"],
                )
                for i in self._items("billing", "/payments")
            ]
        if system == "crm":
            return [
                PaymentRecord(
                    i["ExtId__c"],
                    _day(i.get("Received_On__c")),
                    i.get("Invoice_Number__c"),
                    _decimal(i.get("Amount__c")),
                    i.get("CurrencyIsoCode"),
                )
                for i in self._items("crm", _CRM_OBJECTS["payments"])
                if i.get("ExtId__c")
            ]
        raise ValueError(f"no payment listing for {system!r}; use billing or crm")
