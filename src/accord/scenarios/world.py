"""The world outside the hub in a scenario: people working in the sandbox systems.

A scenario event such as `time.approved` is something a consultant's manager does in
the PSA, not something the hub is told directly; `SandboxWorld` does it in the sandbox
system over its HTTP API, and the hub finds out the way it would in production — through
its connectors.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import httpx

from accord.canonical.base import CanonicalValue
from accord.connectors.sandbox.landscape import Landscape
from accord.scenarios import format as sf

_RECORD_META = {"id", "external_id", "version", "created_at", "updated_at"}


def _json(model: CanonicalValue) -> dict[str, Any]:
    data: dict[str, Any] = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    return data


def _minutes(hours: Decimal, entry: str) -> int:
    minutes = hours * 60
    if minutes != minutes.to_integral_value():
        raise ValueError(
            f"time entry {entry}: {hours} h is not a whole number of minutes, which the PSA "
            "records; give hours in steps of 1/60"
        )
    return int(minutes)


class SandboxWorld:
    """Acts in the sandbox systems as the firm's people would."""

    def __init__(self, landscape: Landscape) -> None:
        self._http = httpx.Client(base_url=landscape.url, timeout=30)
        self._psa_ids: dict[str, str] = {}

    def close(self) -> None:
        self._http.close()

    def recall_time_entries(self) -> None:
        """Learn the PSA's ids of the time entries the landscape already holds, so a world
        acting on a landscape an earlier run filled can correct the entries it approved."""
        page: str | None = None
        while True:
            query = "?limit=500" + (f"&page={page}" if page else "")
            body = self._call("GET", f"/psa/time_entries{query}")
            for entry in body["items"]:
                if entry.get("external_reference"):
                    self._psa_ids[entry["external_reference"]] = entry["id"]
            if not (page := body.get("next_page")):
                return

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self._http.request(method, path, json=body)
        if response.status_code >= 400:
            raise RuntimeError(f"sandbox {method} {path} failed: {response.text}")
        return response.json() if response.content else None

    def seed(self, scenario: sf.Scenario) -> None:
        """Master data as the firm has it before the timeline starts."""
        for customer in scenario.customers:
            fields = {"Name": customer.name, "BillingCountry": customer.country}
            for field, value in (
                ("BillingStreet", customer.street),
                ("BillingCity", customer.city),
                ("BillingPostalCode", customer.postal_code),
                ("VATNumber__c", customer.tax_id),
            ):
                if value is not None:
                    fields[field] = value
            self._call("PATCH", f"/crm/sobjects/Account/ExtId__c/{customer.id}", fields)
        for resource in scenario.resources:
            worker = {
                "name": resource.name,
                "role": resource.role,
                "employment": [
                    {"entity": e.entity, "effective_from": e.valid_from.isoformat()}
                    for e in resource.employment
                ],
                "cost_rates": [
                    {
                        "rate": str(c.rate),
                        "currency": c.currency,
                        "effective_from": c.valid_from.isoformat(),
                    }
                    for c in resource.cost_rates
                ],
            }
            self._call("PUT", f"/hr/workers/eid:{resource.id}", worker)
        for contract in scenario.contracts:
            body = _json(contract) | {"status": "draft"}
            for key in ("id", "version", "signed_on", "updated_at"):
                body.pop(key, None)
            self._call("PUT", f"/clm/contracts/eid:{contract.id}", body)

    def sign(self, event: sf.ContractSigned) -> None:
        path = f"/clm/contracts/eid:{event.contract}/sign"
        self._call("POST", path, {"signed_on": event.at.isoformat()})

    def amend(self, event: sf.ContractAmended) -> None:
        changes: dict[str, Any] = {}
        if event.rates is not None:
            changes["rates"] = [_json(r) for r in event.rates]
        if event.person_rates is not None:
            changes["person_rates"] = [_json(r) for r in event.person_rates]
        if event.cap is not None:
            changes["cap"] = str(event.cap)
        body = {"term": event.term, "effective_from": event.at.isoformat(), "changes": changes}
        self._call("POST", f"/clm/contracts/eid:{event.contract}/amendments", body)

    def approve_time(self, event: sf.TimeApproved) -> None:
        entry = {
            "project": event.contract,
            "user_id": event.resource,
            "date_performed": event.date.isoformat(),
            "time_in_minutes": _minutes(event.hours, event.id),
            "billable": event.billable,
            "term": event.term,
            "external_reference": event.id,
        }
        self._psa_ids[event.id] = self._call("POST", "/psa/time_entries", entry)["id"]

    def correct_time(self, event: sf.TimeCorrected) -> None:
        changes: dict[str, Any] = {}
        if event.hours is not None:
            changes["time_in_minutes"] = _minutes(event.hours, event.id)
        if event.billable is not None:
            changes["billable"] = event.billable
        if event.date is not None:
            changes["date_performed"] = event.date.isoformat()
        entry = self._psa_ids.get(event.id)
        if entry is None:
            raise KeyError(f"time.corrected names {event.id}, which was never approved")
        self._call("PATCH", f"/psa/time_entries/{entry}", changes)

    def approve_expense(self, event: sf.ExpenseApproved) -> None:
        expense = {
            "project": event.contract,
            "user_id": event.resource,
            "date": event.date.isoformat(),
            "amount": str(event.amount),
            "currency": event.currency,
            "billable": event.billable,
            "external_reference": event.id,
        }
        self._call("POST", "/psa/expenses", expense)

    def milestone(self, event: sf.MilestoneEvent, on: dt.date) -> None:
        key = f"{event.contract}.{event.term}.{event.milestone}"
        path = f"/psa/milestones/eid:{key}"
        current = self._http.get(path)
        body: dict[str, Any] = {
            "project": event.contract,
            "name": event.milestone,
            "term": event.term,
            "milestone": event.milestone,
        }
        if current.status_code == 200:
            body |= {k: v for k, v in current.json().items() if k not in _RECORD_META}
        if event.type == "milestone.accepted":
            body |= {"accepted": True, "accepted_on": on.isoformat()}
        else:
            body["on_hold"] = event.type == "milestone.hold"
        self._call("PUT", path, body)

    def transfer(self, event: sf.ResourceTransferred) -> None:
        body = {"entity": event.entity, "effective_from": event.from_.isoformat()}
        self._call("POST", f"/hr/workers/eid:{event.resource}/employment", body)

    def fault(self, landscape: Landscape, event: sf.SystemFault) -> None:
        until = dt.datetime.combine(event.until, dt.time(), tzinfo=dt.UTC)
        landscape.inject(event.system, {"kind": event.kind, "until": until.isoformat()})
