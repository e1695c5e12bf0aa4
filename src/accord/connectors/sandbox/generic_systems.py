"""The sandbox firm in the sandbox's own systems (`/hr`, `/crm`, `/clm`, `/psa`, `/erp`):
the `FirmSystems` adapter of a landscape whose roles the generic systems play
(`sandbox: {vendors: false}`), and what the scenario-free tests load a firm with."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import httpx

from accord.connectors.sandbox.firm import GeneratedFirm
from accord.connectors.sandbox.firm_systems import (
    ENTRY_PREFIX,
    Collection,
    ExpenseLog,
    OpenInvoice,
    PendingMilestone,
    TimeLog,
)

__all__ = ["GenericSystems", "populate_landscape"]

PAGE = 1000


class GenericSystems:
    """`FirmSystems` over the generic systems of the landscape at `base_url`."""

    def __init__(self, base_url: str, timeout: float = 30) -> None:
        self._http = httpx.Client(base_url=base_url, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def load_firm(self, firm: GeneratedFirm, stopping: Callable[[], bool]) -> bool:
        for worker in firm.workers:
            _ok(self._http.put(f"/hr/workers/eid:{worker['id']}", json=_without_id(worker)))
        for customer in firm.customers:
            account = {
                "Name": customer["name"],
                "BillingCountry": customer["country"],
                "AccountNumber": customer["id"],
            }
            path = f"/crm/sobjects/Account/ExtId__c/{customer['id']}"
            _ok(self._http.patch(path, json=account))
        for contract in firm.contracts:
            if stopping():
                return False
            self._load_contract(contract)
        return True

    def _load_contract(self, contract: dict[str, Any]) -> None:
        key = contract["id"]
        _ok(self._http.put(f"/clm/contracts/eid:{key}", json=_without_id(contract)))
        _ok(self._http.post(f"/clm/contracts/eid:{key}/sign", json={"signed_on": "2026-01-02"}))
        project = {
            "name": f"Project {key}",
            "customer": contract["customer"],
            "contract": key,
            "currency": contract["currency"],
        }
        _ok(self._http.put(f"/psa/projects/eid:{key}", json=project))
        for term in contract["terms"]:
            for milestone in term.get("milestones", []):
                body = {
                    "project": key,
                    "term": term["id"],
                    "name": milestone["name"],
                    "milestone": milestone["id"],
                }
                path = f"/psa/milestones/eid:{key}-{term['id']}-{milestone['id']}"
                _ok(self._http.put(path, json=body))

    def last_entry_number(self) -> int:
        """The highest `GEN-T<n>` reference among the PSA's time entries: a generator
        started again on a landscape it filled before must never resubmit an old
        entry's reference (the PSA would replace that entry by a new submitted one)."""
        last, page = 0, None
        while True:
            params: dict[str, Any] = {"limit": PAGE} | ({"page": page} if page else {})
            response = self._http.get("/psa/time_entries", params=params)
            for entry in _items(response):
                reference = str(entry.get("external_reference") or "")
                number = reference.removeprefix(ENTRY_PREFIX)
                if reference.startswith(ENTRY_PREFIX) and number.isdigit():
                    last = max(last, int(number))
            if not (page := response.json().get("next_page")):
                return last

    def log_time(self, entry: TimeLog) -> str:
        term = entry.contract["terms"][0]
        body = {
            "project": entry.contract["id"],
            "user_id": entry.worker,
            "date_performed": entry.day.isoformat(),
            "time_in_minutes": entry.minutes,
            "term": term["id"],
            # a fixed fee is billed by milestones: the time on it is not billable
            "billable": term["type"] != "fixed_fee",
            "approved": False,
            "external_reference": entry.reference,
        }
        return _id(self._http.post("/psa/time_entries", json=body))

    def log_expense(self, expense: ExpenseLog) -> str:
        body = {
            "project": expense.contract["id"],
            "user_id": expense.worker,
            "date": expense.day.isoformat(),
            "amount": str(expense.amount),
            "currency": expense.contract["currency"],
            "category": "travel",
            "approved": False,
        }
        return _id(self._http.post("/psa/expenses", json=body))

    def review(self, collection: Collection, entry: str, approve: bool) -> None:
        decision = {"approved": True} if approve else {"rejected": True}
        _raise(self._http.patch(f"/psa/{collection}/{entry}", json=decision))

    def pending_milestones(self) -> list[PendingMilestone]:
        found = _items(self._http.get("/psa/milestones", params={"limit": PAGE}))
        fields = ("project", "name", "term", "milestone")
        return [
            PendingMilestone(m["external_id"], m["external_id"], {k: m[k] for k in fields})
            for m in found
            if not m["accepted"]
        ]

    def accept_milestone(self, milestone: PendingMilestone, day: date) -> None:
        body = milestone.data | {"accepted": True, "accepted_on": day.isoformat()}
        _raise(self._http.put(f"/psa/milestones/eid:{milestone.handle}", json=body))

    def amend(self, contract: dict[str, Any], rate: str, day: date) -> None:
        changes = {"rates": [{"role": "*", "rate": rate, "from": day.isoformat()}]}
        body = {"term": "TM", "effective_from": day.isoformat(), "changes": changes}
        path = f"/clm/contracts/eid:{contract['id']}/amendments"
        _raise(self._http.post(path, json=body))

    def open_invoices(self) -> list[OpenInvoice]:
        params: dict[str, str | int] = {"limit": PAGE, "type": "invoice"}
        documents = _items(self._http.get("/erp/documents", params=params))
        return [
            OpenInvoice(d["number"], d["gross_total"], d["currency"])
            for d in documents
            if d["status"] != "paid"
        ]

    def pay_invoice(self, invoice: OpenInvoice, day: date) -> str:
        body = {
            "invoice_number": invoice.number,
            "amount": invoice.gross_total,
            "currency": invoice.currency,
            "date": day.isoformat(),
        }
        return _id(self._http.post("/erp/payments", json=body))

    def transfer(self, worker: str, entity: str, effective_from: date) -> None:
        body = {"entity": entity, "effective_from": effective_from.isoformat()}
        _raise(self._http.post(f"/hr/workers/eid:{worker}/employment", json=body))


def populate_landscape(
    base_url: str, firm: GeneratedFirm, stopping: Callable[[], bool] = lambda: False
) -> bool:
    """Write the generated firm into the generic systems of the landscape at `base_url`,
    as its users would; False when `stopping()` cut it short (every write is an upsert:
    loading it again completes it)."""
    systems = GenericSystems(base_url)
    try:
        return systems.load_firm(firm, stopping)
    finally:
        systems.close()


def _without_id(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "id"}


def _raise(response: httpx.Response) -> None:
    """A refused write (an injected fault) raises like a lost call."""
    response.raise_for_status()


def _id(response: httpx.Response) -> str:
    _raise(response)
    return str(response.json().get("id"))


def _items(response: httpx.Response) -> list[dict[str, Any]]:
    """A listing's items; a refused read raises like a lost call."""
    _raise(response)
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _ok(response: httpx.Response) -> None:
    if response.is_error:
        raise RuntimeError(
            f"loading the sandbox firm failed: {response.request.method} {response.request.url}"
            f" -> {response.status_code} {response.text}"
        )
