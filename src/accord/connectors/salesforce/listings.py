"""What Salesforce lists for reconciliation: the contracts Accord confirmed and the
payments it fed back.

`SalesforceListings` implements the application's `ContractListing` and `PaymentListing`
ports structurally for the CRM connector. Both read with SOQL, following
`nextRecordsUrl` batch after batch, through a session that tries each call fewer times
than a write (`listing_session`): a system that cannot be listed is reported skipped by
the run, and the next run reads it again. Only records carrying Accord's external id are
listed: the contracts `confirm_activation` upserted (`Accord_Customer__c`,
`CurrencyIsoCode`) and the `Payment__c` records `record_payment` wrote. Salesforce keeps
no legal entity on either, so that field is None and not compared.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from accord.connectors.salesforce.rest import SalesforceSession
from accord.connectors.salesforce.streams import query_all
from accord.connectors.sdk.sessions import listing_session
from accord.domain.reconciliation import ContractRecord, PaymentRecord


def _day(value: Any) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


class SalesforceListings:
    """Accord's contracts and payments in one org as reconciliation records."""

    def __init__(self, session: SalesforceSession, external_id: str) -> None:
        self._session = listing_session(session)
        self._external_id = external_id

    def _records(self, fields: str, sobject: str) -> list[dict[str, Any]]:
        key = self._external_id
        soql = f"SELECT {key}, {fields} FROM {sobject} WHERE {key} != null"
        return list(query_all(self._session, soql))

    def contract_records(self) -> Sequence[ContractRecord]:
        """The contracts Accord confirmed, keyed by contract id, with customer and currency."""
        key = self._external_id
        return [
            ContractRecord(
                r[key], None, r.get("Accord_Customer__c"), None, r.get("CurrencyIsoCode")
            )
            for r in self._records("Accord_Customer__c, CurrencyIsoCode", "Contract")
        ]

    def payment_records(self) -> Sequence[PaymentRecord]:
        """The payments fed back to Salesforce, keyed by payment id."""
        key = self._external_id
        fields = "Received_On__c, Invoice_Number__c, Amount__c, CurrencyIsoCode"
        return [
            PaymentRecord(
                r[key],
                _day(r.get("Received_On__c")),
                r.get("Invoice_Number__c"),
                _decimal(r.get("Amount__c")),
                r.get("CurrencyIsoCode"),
            )
            for r in self._records(fields, "Payment__c")
        ]
