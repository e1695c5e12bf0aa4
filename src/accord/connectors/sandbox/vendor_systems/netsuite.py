"""The sandbox firm's customers paying their invoices in NetSuite.

The invoices the hub posted are read with SuiteQL (`transaction` rows of type
`CustInvc`, as the netsuite connector reads them); an invoice is open while no customer
payment names it (one of nothing to pay is not). A payment is a `customerPayment`
upserted through the REST record API by external id
(`PUT /record/v1/customerPayment/eid:PAY-<invoice>`), naming the invoice in
`custbody_accord_invoice`, the field the connector's payment mapping reads
(`connectors/netsuite/mappings/payment.yaml`). Requests are signed with token-based
authentication, the simulator's default integration and token.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import httpx

from accord.connectors.sandbox.firm_systems import OpenInvoice
from accord.connectors.sandbox.vendor_systems.auth import SignedRequests
from accord.connectors.sandbox.vendors import VENDOR_SETTINGS

SUITEQL = "/services/rest/query/v1/suiteql"
RECORDS = "/services/rest/record/v1"
PAGE = 1000
INVOICES = "SELECT tranid, total, currency, entity FROM transaction WHERE type = 'CustInvc'"
PAID = "SELECT custbody_accord_invoice FROM transaction WHERE type = 'CustPymt'"


class NetSuiteAccount:
    """The account at `base_url`, every request signed (token-based authentication)."""

    def __init__(self, base_url: str, timeout: float) -> None:
        settings = VENDOR_SETTINGS["netsuite"]
        auth = SignedRequests(
            settings["account_id"],
            settings["consumer_key"],
            settings["consumer_secret"],
            settings["token_id"],
            settings["token_secret"],
        )
        self.http = httpx.Client(base_url=base_url, timeout=timeout, auth=auth)

    def _rows(self, query: str) -> Iterator[dict[str, Any]]:
        """Every row of a SuiteQL query, page after page."""
        offset = 0
        while True:
            response = self.http.post(
                SUITEQL,
                params={"limit": PAGE, "offset": offset},
                json={"q": query},
                headers={"Prefer": "transient"},
            )
            response.raise_for_status()
            body = response.json()
            yield from body["items"]
            if not body.get("hasMore"):
                return
            offset += PAGE

    def open_invoices(self) -> list[OpenInvoice]:
        paid = {row.get("custbody_accord_invoice") for row in self._rows(PAID)}
        invoices = {row["tranid"]: row for row in self._rows(INVOICES)}  # a page may repeat one
        return [
            OpenInvoice(number, str(row["total"]), str(row["currency"]), row.get("entity"))
            for number, row in sorted(invoices.items())
            if number not in paid and Decimal(str(row["total"])) > 0  # nothing to pay
        ]

    def pay(self, invoice: OpenInvoice, day: date) -> str:
        """Record the customer's payment of the whole invoice; its external id."""
        external_id = f"PAY-{invoice.number}"
        payment = {
            "tranId": f"PYMT-{invoice.number}",
            "customer": {"externalId": invoice.customer},
            "currency": {"refName": invoice.currency},
            "tranDate": day.isoformat(),
            "payment": invoice.gross_total,
            "custbody_accord_invoice": invoice.number,
        }
        path = f"{RECORDS}/customerPayment/eid:{external_id}"
        self.http.put(path, json=payment).raise_for_status()
        return external_id
