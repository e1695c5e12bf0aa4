"""The sandbox firm's sales side in Salesforce: customers as Accounts, contracts as
Contracts, written through the REST API as the firm's sales people leave them.

Every write is an upsert by external id (`PATCH /sobjects/<object>/Accord_Id__c/<key>`),
the field the shipped mappings read (`connectors/salesforce/mappings/`). A contract's
billing terms are the canonical terms as JSON in `Billing_Terms__c`; it is drafted, then
signed (`Status` `Activated`, `CustomerSignedDate`). An amendment is an update of those
terms: a new rate version appended to the T&M term, which the salesforce-clm connector
reads as the contract with changed terms, and billing folds in as an amendment.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any
from urllib.parse import quote

import httpx

from accord.connectors.sandbox.vendor_systems.auth import RefreshedBearer
from accord.connectors.sandbox.vendors import VENDOR_SETTINGS

API = "/services/data/v62.0"
EXTERNAL_ID = "Accord_Id__c"
REVISION = "Accord_Revision__c"
"""The contract's version, raised with every amendment (the shipped CLM mapping reads it)."""
SIGNED_ON = "2026-01-02"
"""The day the sandbox firm's contracts were signed (as the generic CLM has it)."""


class SalesforceOrg:
    """The org at `base_url`, signed in with the simulator's connected app (client
    credentials)."""

    def __init__(self, base_url: str, timeout: float) -> None:
        settings = VENDOR_SETTINGS["salesforce"]
        self._app = {
            "grant_type": "client_credentials",
            "client_id": settings["client_id"],
            "client_secret": settings["client_secret"],
        }
        auth = RefreshedBearer(self._token)
        self.http = httpx.Client(base_url=base_url, timeout=timeout, auth=auth)

    def _token(self) -> str:
        response = httpx.post(f"{self.http.base_url}services/oauth2/token", data=self._app)
        response.raise_for_status()
        return str(response.json()["access_token"])

    def upsert(self, sobject: str, key: str, fields: Mapping[str, Any]) -> None:
        path = f"{API}/sobjects/{sobject}/{EXTERNAL_ID}/{quote(key, safe='')}"
        self.http.patch(path, json=dict(fields)).raise_for_status()

    def read(self, sobject: str, key: str) -> dict[str, Any] | None:
        """The record with this external id, or None."""
        path = f"{API}/sobjects/{sobject}/{EXTERNAL_ID}/{quote(key, safe='')}"
        response = self.http.get(path)
        if response.status_code == 404:
            return None
        response.raise_for_status()
        found: dict[str, Any] = response.json()
        return found

    def add_customer(self, customer: Mapping[str, Any]) -> None:
        account = {"Name": customer["name"], "BillingCountry": customer["country"]}
        self.upsert("Account", customer["id"], account)

    def sign_contract(self, contract: Mapping[str, Any], terms: list[dict[str, Any]]) -> None:
        """Draft the contract and sign it, unless the org holds it already (loading the
        firm again must not undo the amendments made since)."""
        if self.read("Contract", contract["id"]) is not None:
            return
        draft = {
            "Accord_Customer__c": contract["customer"],
            "Accord_Entity__c": contract["entity"],
            "CurrencyIsoCode": contract["currency"],
            "StartDate": contract["start"],
            "EndDate": contract["end"],
            "Status": "Draft",
            "Billing_Terms__c": json.dumps(terms),
        }
        self.upsert("Contract", contract["id"], draft)
        signed = {"Status": "Activated", "CustomerSignedDate": SIGNED_ON}
        self.upsert("Contract", contract["id"], signed)

    def amend(self, contract: str, term: str, rate: str, day: date) -> None:
        """Append a rate version for every role to the term, from `day` on, as the contract's
        next revision."""
        current = self.read("Contract", contract)
        if current is None:
            return  # not loaded yet: nothing to amend
        terms = json.loads(current.get("Billing_Terms__c") or "[]")
        for each in terms:
            if each["id"] == term:
                rates = [*each.get("rates", []), {"role": "*", "rate": rate, "from": str(day)}]
                each["rates"] = rates
        revision = int(current.get(REVISION) or 1) + 1
        self.upsert(
            "Contract", contract, {"Billing_Terms__c": json.dumps(terms), REVISION: revision}
        )
