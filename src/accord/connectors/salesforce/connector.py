"""The Salesforce connectors: the CRM (`salesforce`) and the CLM through Contract
(`salesforce-clm`), both over Salesforce's REST API (see docs/connectors-salesforce.md).

Settings (the landscape's `settings`, plus `base_url`, retry and limits):

- `base_url`: the org's My Domain URL, e.g. `https://acme.my.salesforce.com`
- `client_id`, `client_secret`: the connected app (OAuth 2.0 client credentials);
  the secret as `{env: VAR}` or `{file: PATH}`. Or, for the JWT bearer flow,
  `client_id`, `username`, `private_key_file` and `login_url` (default
  `https://login.salesforce.com`; `https://test.salesforce.com` for a sandbox org)
- `api_version`: default `62.0`; `external_id_field`: default `Accord_Id__c`
- `mapping`: the object mapping file (default: the shipped one for the stream)
- `contracts_where` (CLM): the SOQL condition of contracts to read, default
  `Status = 'Activated'`
- `look_back_seconds`: how far behind the last `SystemModstamp` read a stream reads
  again, for records that become visible late (default 300; see `sdk.lookback`)
- `batch_size`: records per query batch (`Sforce-Query-Options`), 200 to 2000
- `slow_down_at`, `stop_at`: shares of the daily API limit (default 0.8 and 0.95)
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any
from urllib.parse import quote

from accord.canonical.v1 import Contract, Customer, InvoiceStatus, Payment
from accord.connectors.salesforce.auth import grant_from_config
from accord.connectors.salesforce.listings import SalesforceListings
from accord.connectors.salesforce.mapping import MAPPINGS, ObjectMapping, object_mapping
from accord.connectors.salesforce.rest import API_VERSION, BudgetPolicy, SalesforceSession
from accord.connectors.salesforce.streams import SoqlStream, query_all
from accord.connectors.salesforce.writes import Upsert, upsert_all, upsert_one
from accord.connectors.sdk import (
    CheckResult,
    RejectedError,
    Stream,
    System,
)
from accord.connectors.sdk.checks import check_sign_in_and_read
from accord.connectors.sdk.lookback import look_back_from_config
from accord.connectors.sdk.settings import http_client_from_config

CRM_NAME = "salesforce"
CLM_NAME = "salesforce-clm"


def session_from_config(config: Mapping[str, Any], connector: str) -> SalesforceSession:
    """The authenticated REST session a Salesforce connector talks through."""
    if not config.get("base_url"):
        raise ValueError(
            f"{connector}: base_url is required: the org's My Domain URL, e.g. "
            "https://acme.my.salesforce.com"
        )
    sleep = config.get("sleep", time.sleep)
    clock = config.get("clock", time.time)
    grant = grant_from_config(config, connector, clock)
    batch = config.get("batch_size")
    client = http_client_from_config(
        config,
        str(config["base_url"]),
        connector,
        headers={"Sforce-Query-Options": f"batchSize={int(batch)}"} if batch else None,
    )
    budget = BudgetPolicy(
        slow_down_at=float(config.get("slow_down_at", 0.8)),
        stop_at=float(config.get("stop_at", 0.95)),
    )
    return SalesforceSession(
        client,
        grant,
        api_version=str(config.get("api_version", API_VERSION)),
        budget=budget,
        sleep=sleep,
    )


def check_session(
    session: SalesforceSession, connector: str, sobject: str, url: str
) -> CheckResult:
    """Authenticate and read one record of `sobject`; the message says what to fix."""

    def read() -> object:
        return session.call("GET", "/query", params={"q": f"SELECT Id FROM {sobject} LIMIT 1"})

    def done() -> str:
        usage = session.usage
        detail = f"; {usage.used}/{usage.limit} daily API calls used" if usage else ""
        return f"read {sobject}{detail}"

    fix = "Give the connected app's run-as user read access to it"
    unreadable = (f"cannot read {sobject}", fix)
    return check_sign_in_and_read(connector, url, session.authenticate, read, unreadable, done)


class _SalesforceBase:
    """What both Salesforce connectors share: session, mapping, external id field."""

    default_mapping = ""
    sobject_checked = ""
    connector_name = ""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.session = session_from_config(config, self.connector_name)
        self.external_id = str(config.get("external_id_field", "Accord_Id__c"))
        self.mapping: ObjectMapping = object_mapping(
            config.get("mapping") or MAPPINGS / self.default_mapping
        )
        self.look_back = look_back_from_config(config)

    @property
    def name(self) -> str:
        return self.connector_name

    def check(self, config: Mapping[str, Any]) -> CheckResult:
        try:
            session = session_from_config(config, self.connector_name)
        except ValueError as error:
            return CheckResult(False, str(error))
        try:
            url = str(config["base_url"])
            return check_session(session, self.connector_name, self.mapping.sobject, url)
        finally:
            session.client.close()

    def close(self) -> None:
        self.session.client.close()

    def count(self, sobject: str) -> int:
        """How many records of `sobject` carry Accord's external id (read back)."""
        soql = f"SELECT Id FROM {sobject} WHERE {self.external_id} != null"
        return sum(1 for _ in query_all(self.session, soql))


class SalesforceCrmConnector(_SalesforceBase):
    """Connector and `CrmGateway` for Salesforce as the CRM."""

    default_mapping = "account-customer.yaml"
    connector_name = CRM_NAME

    def __init__(self, config: Mapping[str, Any]) -> None:
        super().__init__(config)
        self.listings = SalesforceListings(self.session, self.external_id)
        self.accounts = SoqlStream("accounts", self.session, self.mapping, look_back=self.look_back)

    @property
    def system(self) -> System:
        return "crm"

    def streams(self) -> list[Stream]:
        return [self.accounts]

    def ports(self) -> dict[str, object]:
        return {
            "CrmGateway": self,
            "ContractListing": self.listings,
            "PaymentListing": self.listings,
        }

    def upsert_account(self, customer: Customer) -> bool:
        """Create or update the customer's Account by external id; True if created."""
        fields = {"Name": customer.name, "BillingCountry": customer.country}
        return upsert_one(self.session, Upsert("Account", self.external_id, customer.id, fields))

    def confirm_activation(self, contract: Contract) -> None:
        fields = {
            "Accord_Status__c": "Activated",
            "StartDate": contract.start.isoformat(),
            "CurrencyIsoCode": contract.currency,
            "Accord_Customer__c": contract.customer,
        }
        upsert_one(self.session, Upsert("Contract", self.external_id, contract.id, fields))

    def withdraw_activation(self, contract_id: str) -> None:
        """Set a confirmed contract back to Draft; one Salesforce never got stays absent."""
        path = f"/sobjects/Contract/{self.external_id}/{quote(contract_id, safe='')}"
        try:
            current = self.session.call("GET", path).json()
        except RejectedError as error:
            if error.status == 404:
                return
            raise
        if current.get("Accord_Status__c") != "Draft":
            self.session.call(
                "PATCH", f"/sobjects/Contract/{current['Id']}", json={"Accord_Status__c": "Draft"}
            )

    def record_invoice_status(self, number: str, status: InvoiceStatus) -> None:
        upsert_one(
            self.session,
            Upsert("Invoice__c", self.external_id, number, {"Status__c": status.value}),
        )

    def record_payment(self, payment: Payment) -> None:
        """The payment and its invoice's last payment date, in one all-or-none call."""
        fields = {
            "Invoice_Number__c": payment.invoice,
            "Amount__c": str(payment.amount),
            "CurrencyIsoCode": payment.currency,
            "Received_On__c": payment.received_on.isoformat(),
        }
        writes = [Upsert("Payment__c", self.external_id, payment.id, fields)]
        if payment.invoice:
            invoice = {"Last_Payment_On__c": payment.received_on.isoformat()}
            writes.append(Upsert("Invoice__c", self.external_id, payment.invoice, invoice))
        upsert_all(self.session, writes)


class SalesforceClmConnector(_SalesforceBase):
    """Connector and `ClmGateway` for Salesforce contracts (the Contract object)."""

    default_mapping = "contract-contract.yaml"
    connector_name = CLM_NAME

    def __init__(self, config: Mapping[str, Any]) -> None:
        super().__init__(config)
        self.where = str(config.get("contracts_where", "Status = 'Activated'"))
        self.contracts = SoqlStream(
            "contracts", self.session, self.mapping, self.where, self.look_back
        )

    @property
    def system(self) -> System:
        return "clm"

    def streams(self) -> list[Stream]:
        return [self.contracts]

    def ports(self) -> dict[str, object]:
        return {"ClmGateway": self}

    def signed_contracts(self, since: date | None) -> Sequence[Contract]:
        """Contracts changed on or after `since`; one its mapping cannot read raises
        (the stream quarantines it instead)."""
        where = f"({self.where})" if self.where else ""
        if since is not None:
            stamp = f"SystemModstamp >= {since.isoformat()}T00:00:00Z"
            where = f"{where} AND {stamp}" if where else stamp
        fields = ", ".join(self.mapping.soql_fields())
        soql = f"SELECT {fields} FROM Contract" + (f" WHERE {where}" if where else "")
        return [_contract(self.mapping, r) for r in query_all(self.session, soql)]

    def get_contract(self, contract_id: str) -> Contract | None:
        value = contract_id.replace("'", "\\'")
        fields = ", ".join(self.mapping.soql_fields())
        soql = f"SELECT {fields} FROM Contract WHERE {self.mapping.key_field} = '{value}'"
        found = list(query_all(self.session, soql))
        return _contract(self.mapping, found[0]) if found else None


def _contract(mapping: ObjectMapping, record: Mapping[str, Any]) -> Contract:
    contract = mapping.map_record(record)
    assert isinstance(contract, Contract), f"{mapping.label} must map to contract records"
    return contract


def connector_factory(config: Mapping[str, Any]) -> SalesforceCrmConnector:
    """Entry point `salesforce`: Salesforce as the CRM."""
    return SalesforceCrmConnector(config)


def clm_connector_factory(config: Mapping[str, Any]) -> SalesforceClmConnector:
    """Entry point `salesforce-clm`: Salesforce contracts as the CLM."""
    return SalesforceClmConnector(config)
