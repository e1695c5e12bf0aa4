"""The NetSuite ERP connector (`netsuite`), over NetSuite's REST web services
(see docs/connectors-netsuite.md).

Settings (the landscape's `settings`, plus retry and limits):

- `base_url`: the account's REST domain, e.g. `https://1234567.suitetalk.api.netsuite.com`
- `client_id`, `certificate_id`, `private_key_file`: OAuth 2.0 machine-to-machine (the
  integration record, the certificate mapped to it, the PEM of its private key);
  `jwt_algorithm` default `PS256`. Or token-based authentication: `account_id`,
  `consumer_key`, `consumer_secret`, `token_id`, `token_secret`
- `auth`: `m2m` or `tba`, when the settings hold both kinds of credentials (default:
  `tba` when `token_id` is set, else `m2m`)
- `async_writes`: queue writes as NetSuite jobs (`Prefer: respond-async` with
  `X-NetSuite-Idempotency-Key`, see `asynchronous`); default off
- `max_concurrency`: parallel calls at most (default 5, under the account's concurrency
  limit; a 429 `CONCURRENCY_LIMIT_EXCEEDED` is retried with backoff)
- `dimensions`: per legal entity, the department / class / location external ids,
  e.g. `{DE01: {department: CONSULTING}}`
- `mapping`: the payment mapping file (default: the shipped `mappings/payment.yaml`)
- `look_back_seconds`: how far behind the last `lastmodifieddate` read the payments
  stream reads again, for payments that become visible late (default 900: NetSuite
  stamps a transaction when it starts; see `sdk.lookback`)
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping, Sequence
from typing import Any

from accord.canonical.v1 import Customer, Invoice, Payment, Project
from accord.connectors.netsuite import documents
from accord.connectors.netsuite.asynchronous import write
from accord.connectors.netsuite.auth import grant_from_config
from accord.connectors.netsuite.journals import NetSuiteJournals
from accord.connectors.netsuite.listings import NetSuiteListings
from accord.connectors.netsuite.payments import (
    LOOK_BACK,
    MAPPINGS,
    PaymentsStream,
    payment_mapping,
)
from accord.connectors.netsuite.rest import NetSuiteSession, describe_errors, eid_path
from accord.connectors.sdk import (
    CheckResult,
    PostedDocument,
    RejectedError,
    Stream,
    System,
)
from accord.connectors.sdk.checks import check_sign_in_and_read
from accord.connectors.sdk.lookback import look_back_from_config
from accord.connectors.sdk.settings import http_client_from_config

NAME = "netsuite"
DOCUMENT_TYPES = ("invoice", "creditMemo")


def session_from_config(config: Mapping[str, Any]) -> NetSuiteSession:
    """The authenticated session the connector talks through; a missing setting is a
    ValueError naming it."""
    if not config.get("base_url"):
        raise ValueError(
            f"{NAME}: base_url is required: the account's REST domain, e.g. "
            "https://1234567.suitetalk.api.netsuite.com"
        )
    base_url = str(config["base_url"])
    grant = grant_from_config(config, NAME, base_url)
    clock = config.get("clock", time.time)
    sleep = config.get("sleep", time.sleep)
    client = http_client_from_config(config, base_url, NAME, max_concurrency=5)
    return NetSuiteSession(
        client, grant, clock, base_url, async_writes=bool(config.get("async_writes")), sleep=sleep
    )


class NetSuiteErpConnector:
    """Connector, `ErpGateway` and project/contract listings for NetSuite."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.session = session_from_config(config)
        self._dimensions: dict[str, dict[str, str]] = dict(config.get("dimensions") or {})
        mapping = payment_mapping(config.get("mapping") or MAPPINGS / "payment.yaml")
        look_back = look_back_from_config(config, LOOK_BACK)
        self.payments = PaymentsStream(self.session, mapping, look_back)
        self.listings = NetSuiteListings(self.session)

    @property
    def name(self) -> str:
        return NAME

    @property
    def system(self) -> System:
        return "erp"

    def check(self, config: Mapping[str, Any]) -> CheckResult:
        """Sign in and run one SuiteQL query; the message says what to fix."""
        try:
            session = session_from_config(config)
        except ValueError as error:
            return CheckResult(False, str(error))
        try:
            return _check(session, str(config["base_url"]))
        finally:
            session.client.close()

    def streams(self) -> list[Stream]:
        return [self.payments]

    def ports(self) -> dict[str, object]:
        return {
            "ErpGateway": self,
            "JournalPosting": NetSuiteJournals(self.session),
            "ProjectListing": self.listings,
            "ContractListing": self.listings,
        }

    def close(self) -> None:
        self.session.client.close()

    # ErpGateway ----------------------------------------------------------------------

    def upsert_customer(self, customer: Customer) -> str:
        """Create or update the customer whose external id is the customer id, with its
        address as the default billing address of the address book."""
        address = {
            "country": {"id": customer.country},
            "addr1": customer.street,
            "city": customer.city,
            "zip": customer.postal_code,
            "state": customer.region,
        }
        body = {
            "companyName": customer.name,
            "vatRegNumber": customer.tax_id,
            "email": customer.email,
            "addressBook": {
                "items": [{"defaultBilling": True, "addressBookAddress": address}],
                "replaceAll": True,
            },
        }
        return self._upsert("customer", customer.id, body)

    def upsert_project(self, project: Project) -> str:
        """Create or update the project (`job`) whose external id is the project id."""
        body = {
            "companyName": project.name,
            "parent": {"externalId": project.customer} if project.customer else None,
            "subsidiary": {"externalId": project.entity},
            "custentity_accord_contract": project.contract,
            "isInactive": False,
        }
        return self._upsert("job", project.id, body)

    def deactivate_project(self, project_id: str) -> None:
        """Mark the job inactive; one NetSuite never got stays absent."""
        if self.session.read_optional(eid_path("job", project_id)) is not None:
            self.session.call("PATCH", eid_path("job", project_id), json={"isInactive": True})

    def post_invoice(self, invoice: Invoice, idempotency_key: str) -> PostedDocument:
        """Upsert the document by the key as external id, then read back NetSuite's totals;
        a refusal raises `RejectedError` naming NetSuite's reason."""
        record_type = documents.RECORD_TYPE[invoice.kind]
        body = documents.record_body(invoice, self._dimensions.get(invoice.entity, {}))
        try:
            write(self.session, record_type, idempotency_key, body)
        except RejectedError as error:
            raise RejectedError(
                error.status,
                error.body,
                error.problem,
                reason=f"NetSuite refused {invoice.business_key()}: {describe_errors(error.body)}",
            ) from error
        record = self.session.read_optional(eid_path(record_type, idempotency_key))
        assert record is not None, "NetSuite accepted the document but cannot read it"
        return documents.posted(record)

    def get_invoice(self, number: str) -> PostedDocument | None:
        found = self._documents(f"tranid = '{_literal(number)}'")
        return documents.posted(found[0][1]) if found else None

    def list_documents(self) -> Sequence[Invoice]:
        return [documents.document_from_record(t, r) for t, r in self._documents("")]

    def list_payments(self, since: dt.date | None) -> Sequence[Payment]:
        payments = [self.payments.map(row) for row in self.payments.rows()]
        return [p for p in payments if since is None or p.received_on >= since]

    def _upsert(self, record_type: str, external_id: str, body: dict[str, Any]) -> str:
        write(self.session, record_type, external_id, body)
        record = self.session.read_optional(eid_path(record_type, external_id))
        assert record is not None, f"NetSuite accepted the {record_type} but cannot read it"
        return str(record["id"])

    def _documents(self, condition: str) -> list[tuple[str, dict[str, Any]]]:
        """Accord's invoices and credit memos (by SuiteQL), each read as its record."""
        where = f" AND {condition}" if condition else ""
        query = (
            "SELECT id, type, externalid FROM transaction WHERE type IN ('CustInvc', 'CustCred')"
            f" AND externalid IS NOT NULL{where} ORDER BY id"
        )
        found = []
        for row in self.session.suiteql(query):
            record_type = "creditMemo" if row["type"] == "CustCred" else "invoice"
            record = self.session.read_optional(f"/{record_type}/{row['id']}")
            if record is not None:
                found.append((record_type, record))
        return found


def _literal(value: str) -> str:
    return value.replace("'", "''")


def _check(session: NetSuiteSession, url: str) -> CheckResult:
    def read() -> object:
        return list(session.suiteql("SELECT id FROM transaction WHERE type = 'CustPymt'", limit=1))

    unreadable = (
        "SuiteQL failed",
        "Give the integration's role the SuiteAnalytics Workbook and REST Web Services permissions",
    )
    return check_sign_in_and_read(
        NAME, url, session.authenticate, read, unreadable, lambda: "ran a SuiteQL query"
    )


def connector_factory(config: Mapping[str, Any]) -> NetSuiteErpConnector:
    """Entry point `netsuite`: NetSuite as the ERP."""
    return NetSuiteErpConnector(config)
