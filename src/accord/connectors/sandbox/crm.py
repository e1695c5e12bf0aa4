"""The connector to the sandbox CRM (Salesforce-like), implementing `CrmGateway`.

Every write carries `Sforce-Call-Options: client=<client_id>` (default `accord`), so the
CRM stamps the resulting change events with that origin and `ChangeFeedStream` drops
them: Accord never re-ingests the echo of its own writes. The stream also expands events
that merge several `recordIds`, and re-reads the record when the event carries no usable
fields (a GAP_* event, or an UPDATE that only lists what changed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote

from accord.canonical.v1 import Contract, Customer, InvoiceStatus, Payment
from accord.connectors.sandbox.common import check_reachable, client_from_config, read_optional
from accord.connectors.sandbox.listings import listing_ports
from accord.connectors.sdk import (
    CheckResult,
    Cursor,
    HttpClient,
    Page,
    RejectedError,
    Stream,
    System,
    decode_cursor,
    encode_cursor,
)

NAME = "sandbox-crm"
CALL_OPTIONS = "Sforce-Call-Options"


def is_own_echo(origin: str, client_id: str) -> bool:
    """Whether a change event's `changeOrigin` names this client."""
    return f"client={client_id}" in origin.split(";")


class ChangeFeedStream:
    """Customers from the CRM's change data capture feed (Account events).

    The cursor is the last replay id read. Own echoes are skipped, merged events yield one
    customer per record id, deletions yield nothing (the hub keeps customers), and
    UPDATE / UNDELETE / GAP_* events re-read the record to get its whole current state.
    """

    def __init__(self, client: HttpClient, client_id: str) -> None:
        self._client = client
        self._client_id = client_id
        self.rereads = 0

    @property
    def name(self) -> str:
        return "accounts"

    def read(self, cursor: Cursor | None, limit: int) -> Page[Customer]:
        after = int(decode_cursor(cursor).get("replay_id", 0))
        body = self._client.get("/cdc", params={"after": after, "limit": limit}).json()
        customers: list[Customer] = []
        for event in body["events"]:
            customers.extend(self._customers(event))
        latest = int(body["latest_replay_id"])
        next_cursor = encode_cursor({"replay_id": latest}) if latest else cursor
        return Page(
            records=customers, next_cursor=next_cursor, has_more=len(body["events"]) >= limit
        )

    def _customers(self, event: Mapping[str, Any]) -> Iterator[Customer]:
        header = event["ChangeEventHeader"]
        change = header["changeType"]
        if header["entityName"] != "Account" or change == "DELETE":
            return
        if is_own_echo(header["changeOrigin"], self._client_id):
            return
        for record_id in header["recordIds"]:
            if change == "CREATE":
                yield customer_from_account({**event, "Id": record_id}, header["commitTimestamp"])
                continue
            current = self._reread(record_id)
            if current is not None:
                yield customer_from_account(current, current["SystemModstamp"])

    def _reread(self, record_id: str) -> dict[str, Any] | None:
        self.rereads += 1
        try:
            record: dict[str, Any] = self._client.get(f"/sobjects/Account/{record_id}").json()
        except RejectedError as error:
            if error.status == 404:
                return None
            raise
        return record


def customer_from_account(account: Mapping[str, Any], changed_at: str) -> Customer:
    return Customer(
        id=account.get("AccountNumber") or account.get("ExtId__c") or account["Id"],
        name=account["Name"],
        country=account.get("BillingCountry") or "US",
        street=account.get("BillingStreet"),
        city=account.get("BillingCity"),
        postal_code=account.get("BillingPostalCode"),
        tax_id=account.get("VATNumber__c"),
        updated_at=dt.datetime.fromisoformat(changed_at),
    )


class SandboxCrmConnector:
    """Connector and `CrmGateway` for the sandbox CRM."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self._listings = listing_ports(config, "crm")
        self.client_id = str(config.get("client_id", "accord"))
        self._headers = {CALL_OPTIONS: f"client={self.client_id}"}
        self._client = client_from_config(config, NAME, self._headers)
        self.changes = ChangeFeedStream(self._client, self.client_id)

    @property
    def name(self) -> str:
        return NAME

    @property
    def system(self) -> System:
        return "crm"

    def check(self, config: Mapping[str, Any]) -> CheckResult:
        return check_reachable(config, NAME, "/sobjects/Account", self._headers)

    def streams(self) -> list[Stream]:
        return [self.changes]

    def ports(self) -> dict[str, object]:
        return {"CrmGateway": self, **self._listings}

    def upsert_account(self, customer: Customer) -> str:
        """Create or update the customer's Account, keyed by the customer id."""
        fields = {
            "Name": customer.name,
            "BillingCountry": customer.country,
            "AccountNumber": customer.id,
        }
        return self._upsert("Account", customer.id, fields)

    def confirm_activation(self, contract: Contract) -> None:
        fields = {
            "Status": "Activated",
            "AccountNumber__c": contract.customer,
            "StartDate": contract.start.isoformat(),
            "CurrencyIsoCode": contract.currency,
        }
        self._upsert("Contract", contract.id, fields)

    def withdraw_activation(self, contract_id: str) -> None:
        """Set a confirmed contract back to Draft; one the CRM never got stays absent
        (an upsert here would create it)."""
        current = self.read_contract(contract_id)
        if current is not None and current.get("Status") != "Draft":
            self._client.patch(f"/sobjects/Contract/{current['Id']}", json={"Status": "Draft"})

    def read_contract(self, contract_id: str) -> dict[str, Any] | None:
        """The CRM's Contract with this external id, or None."""
        path = f"/sobjects/Contract/ExtId__c/{quote(contract_id, safe='')}"
        return read_optional(self._client, path)

    def record_invoice_status(self, number: str, status: InvoiceStatus) -> None:
        self._upsert("Invoice__c", number, {"Status__c": status.value})

    def record_payment(self, payment: Payment) -> None:
        fields = {
            "Invoice_Number__c": payment.invoice,
            "Amount__c": str(payment.amount),
            "CurrencyIsoCode": payment.currency,
            "Received_On__c": payment.received_on.isoformat(),
        }
        self._upsert("Payment__c", payment.id, fields)

    def count(self, sobject: str) -> int:
        """How many live records of a type the CRM holds (read back for reports and tests)."""
        total, page = 0, None
        while True:
            params: dict[str, Any] = {"limit": 2000} | ({"page": page} if page else {})
            body = self._client.get(f"/sobjects/{sobject}", params=params).json()
            total += len(body["items"])
            page = body.get("next_page")
            if not page:
                return total

    def _upsert(self, sobject: str, external_id: str, fields: Mapping[str, Any]) -> str:
        path = f"/sobjects/{sobject}/ExtId__c/{quote(external_id, safe='')}"
        return str(self._client.patch(path, json=dict(fields)).json()["id"])


def connector_factory(config: Mapping[str, Any]) -> SandboxCrmConnector:
    """Entry point `sandbox-crm`: a connector to the sandbox CRM at `config["base_url"]`."""
    return SandboxCrmConnector(config)
