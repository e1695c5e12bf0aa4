"""The Tryton ERP connector: customers, projects, invoices and payments over JSON-RPC.

`TrytonErpConnector` is a `Connector` (system ``erp``) and implements the application's
`ErpGateway` port structurally. Tryton is the ledger of record: Accord writes its own
invoices and credit notes (lines, prices, quantities, taxes) and posts them; it reads
back documents and the payments registered against them.

Idempotency: every write is keyed by Accord's business key, first in the hub's
`ExternalIdMap`, then by a search in Tryton (party ``code``, work ``number``, invoice
``reference``), so a retry after a timeout finds what the first attempt created.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import httpx

from accord.canonical.v1 import Customer, Invoice, Payment, Project
from accord.connectors.sdk import (
    BATCH_POSTING,
    CheckResult,
    ConnectorError,
    PostedDocument,
    RejectedError,
    Stream,
    System,
)
from accord.connectors.sdk.settings import http_client_from_config
from accord.connectors.tryton import mapping
from accord.connectors.tryton.batch import TrytonBatchPosting
from accord.connectors.tryton.ids import ExternalIdMap, InMemoryExternalIdMap
from accord.connectors.tryton.journals import TrytonJournals
from accord.connectors.tryton.ledger import load_ledger_setup
from accord.connectors.tryton.listings import TrytonProjects
from accord.connectors.tryton.rpc import TrytonRpc
from accord.connectors.tryton.streams import documents_stream, payments_stream

INVOICE = mapping.INVOICE
MAX_WARNINGS = 5
logger = logging.getLogger("accord.connector.tryton")
POSTABLE_STATES = mapping.POSTABLE_STATES


@dataclass(frozen=True)
class TrytonSettings:
    """How to reach Tryton, how patiently and how hard (the landscape's `timeout_seconds`,
    `retry` and `limits`), and which of its records Accord invoices with."""

    url: str
    database: str
    login: str
    password: str
    product_code: str = "SERVICES"
    timeout: float = 30.0
    max_attempts: int = 6
    """Attempts per read (or idempotent write), the first included; a create is sent once."""
    base_delay: float = 0.2
    """The first backoff between attempts, in seconds."""
    max_concurrency: int | None = None
    """Calls in flight at once from this connector, reads and writes together."""
    requests_per_second: float | None = None
    """Calls per second from this connector, reads and writes together."""

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> TrytonSettings:
        """Settings from a connector config; names the missing keys when incomplete."""
        config = {"url": config.get("base_url")} | {k: v for k, v in config.items() if v}
        missing = [key for key in ("url", "database", "login", "password") if not config.get(key)]
        if missing:
            raise ValueError(
                f"the tryton connector needs {', '.join(missing)} in its configuration "
                "(url or base_url, database, login, password; optional product_code, timeout, "
                "max_attempts, base_delay, max_concurrency, requests_per_second)"
            )
        concurrency, rate = config.get("max_concurrency"), config.get("requests_per_second")
        return cls(
            url=str(config["url"]).rstrip("/"),
            database=str(config["database"]),
            login=str(config["login"]),
            password=str(config["password"]),
            product_code=str(config.get("product_code", "SERVICES")),
            timeout=float(config.get("timeout") or 30.0),
            max_attempts=int(config.get("max_attempts") or 6),
            base_delay=float(config.get("base_delay") or 0.2),
            max_concurrency=int(concurrency) if concurrency else None,
            requests_per_second=float(rate) if rate else None,
        )

    def client_config(self) -> dict[str, Any]:
        """The SDK's HTTP settings (`sdk.settings.http_client_from_config`) these carry."""
        return {
            "timeout": self.timeout,
            "max_attempts": self.max_attempts,
            "base_delay": self.base_delay,
            "max_concurrency": self.max_concurrency,
            "requests_per_second": self.requests_per_second,
        }

    def __repr__(self) -> str:
        return f"TrytonSettings(url={self.url!r}, database={self.database!r}, login={self.login!r})"


class TrytonErpConnector:
    """Tryton as Accord's ERP (see the module docs)."""

    name = "tryton"
    system: System = "erp"

    def __init__(
        self,
        settings: TrytonSettings,
        id_map: ExternalIdMap | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        """`transport` replaces the network (tests); everything else is in `settings`."""
        self.settings = settings
        self.ids: ExternalIdMap = id_map if id_map is not None else InMemoryExternalIdMap()
        config = settings.client_config() | {"transport": transport}
        reads = http_client_from_config(config, settings.url, self.name)
        self.rpc = TrytonRpc(
            reads,
            # A create that timed out may have been applied: never resend it blindly.
            reads.sending_once(),
            database=settings.database,
            login=settings.login,
            password=settings.password,
        )
        self._setup: mapping.LedgerSetup | None = None

    # Connector -----------------------------------------------------------------------

    def check(self, config: Mapping[str, Any]) -> CheckResult:
        """Log in and find the company, journal, product and taxes Accord needs; with a
        ``config`` other than the connector's own, check that one instead (once, no retry)."""
        try:
            settings = TrytonSettings.from_config(config) if config else self.settings
        except ValueError as error:
            return CheckResult(ok=False, message=str(error))
        if settings != self.settings:
            probe = TrytonErpConnector(replace(settings, max_attempts=1))
            try:
                return probe.check({})
            finally:
                probe.close()
        try:
            setup = self.setup()
        except RejectedError as error:
            refused = {"reachable": True, "authenticated": error.status != 401}
            return CheckResult(ok=False, message=str(error), details=refused)
        except (ConnectorError, LookupError, ValueError) as error:
            return CheckResult(ok=False, message=str(error))
        return CheckResult(
            ok=True,
            message=f"logged in to Tryton database {self.settings.database!r}",
            details={
                "reachable": True,
                "authenticated": True,
                "read": True,
                "company": setup.company,
                "currencies": sorted(setup.currencies),
            },
        )

    def streams(self) -> list[Stream]:
        """``payments`` (recorded against customer invoices) and ``documents`` (customer
        invoices and credit notes as they are posted, paid or cancelled); see `streams`."""
        return [payments_stream(self.rpc), documents_stream(self.rpc, self._canonical)]

    def ports(self) -> dict[str, object]:
        """`ErpGateway`, `BatchPosting` (many invoices per call), `JournalPosting`
        (account moves) and the project and contract listings reconciliation reads."""
        projects = TrytonProjects(self.rpc)
        return {
            "ErpGateway": self,
            BATCH_POSTING: TrytonBatchPosting(self),
            "JournalPosting": TrytonJournals(self.rpc),
            "ProjectListing": projects,
            "ContractListing": projects,
        }

    def close(self) -> None:
        self.rpc.close()

    # ErpGateway ----------------------------------------------------------------------

    def upsert_customer(self, customer: Customer) -> str:
        """Create or update the party whose ``code`` is the customer id, with an address."""
        party = self._find("customer", customer.id, "party.party", [("code", "=", customer.id)])
        country = self._country(customer.country)
        if party is None:
            (party,) = self.rpc.model(
                "party.party", "create", [mapping.party_values(customer, country)], retry_safe=False
            )
        else:
            self._update_party(party, customer, country)
        self.ids.put("customer", customer.id, party)
        return str(party)

    def upsert_project(self, project: Project) -> str:
        """Create or update the ``project.work`` numbered with the project id."""
        work = self._find("project", project.id, "project.work", [("number", "=", project.id)])
        party = self._party_id(project.customer) if project.customer else None
        values = mapping.project_values(project, self.setup().company, party)
        if work is None:
            (work,) = self.rpc.model("project.work", "create", [values], retry_safe=False)
        else:
            self.rpc.model("project.work", "write", [work], values)
        self.ids.put("project", project.id, work)
        return str(work)

    def deactivate_project(self, project_id: str) -> None:
        """Set the ``project.work`` to the finished status (progress 100 %), so no more
        work is booked on it; a project Tryton does not hold is left alone."""
        work = self._find("project", project_id, "project.work", [("number", "=", project_id)])
        if work is None:
            return
        done = self.rpc.model("project.work.status", "search", [("progress", "=", 1.0)], 0, 1, None)
        if not done:
            raise RejectedError(
                422, "", reason="Tryton has no project status with 100 % progress to close with"
            )
        self.rpc.model("project.work", "write", [work], {"status": done[0], "progress": 1.0})

    def post_invoice(self, invoice: Invoice, idempotency_key: str) -> PostedDocument:
        """Create the invoice (or credit note) with its lines once, then post it.

        Repeating the call with the same key finds the first invoice (by the id map, else
        by its reference in Tryton) and only finishes what is left, e.g. the posting.
        The answer carries the totals Tryton computed and stored, read back after posting.
        Raises `UnavailableError` when Tryton did not answer the create in time: the hub
        retries later, and the retry finds the invoice if the create went through.
        """
        key = invoice.business_key()
        found = self._find(
            "invoice", idempotency_key, INVOICE, [("type", "=", "out"), ("reference", "=", key)]
        )
        if found is None:
            found = self._create_invoice(invoice, idempotency_key)
        self.ids.put("invoice", idempotency_key, found)
        (record,) = self.rpc.model(INVOICE, "read", [found], ["state"])
        if record["state"] in POSTABLE_STATES:
            self._post(found)
        (record,) = self.rpc.model(INVOICE, "read", [found], mapping.TOTAL_FIELDS)
        return PostedDocument(
            external_id=str(found),
            number=key,
            status=record["state"],
            totals=mapping.posted_totals(record, invoice),
        )

    def _post(self, invoice: int) -> None:
        self.post_drafts([invoice])

    def post_drafts(self, invoices: list[int]) -> None:
        """Post these invoices in one call, acknowledging Tryton's warnings (e.g. a due
        date already in the past; one per invoice at most).

        Accord has decided to issue the document; a warning asks a person to confirm,
        which here is the hub's decision. Errors (UserError) are still raised.
        """
        for _ in range(MAX_WARNINGS + len(invoices)):
            try:
                self.rpc.model(INVOICE, "post", invoices)
                return
            except RejectedError as error:
                warning = (error.problem or {}).get("warning")
                if not warning:
                    raise
                logger.info("tryton: acknowledging warning on invoices %s: %s", invoices, error)
                self.rpc.model("res.user.warning", "skip", warning, False)
        raise RejectedError(
            200, "", reason=f"Tryton kept warning when posting invoices {invoices}; post by hand"
        )

    def get_invoice(self, number: str) -> PostedDocument | None:
        """The document whose Accord number (reference) or Tryton number is ``number``."""
        records = self._search_invoices(
            [["OR", ("reference", "=", number), ("number", "=", number)]]
        )
        if not records:
            return None
        record = records[0]
        return PostedDocument(
            external_id=str(record["id"]),
            number=record.get("reference") or record["number"],
            status=record["state"],
        )

    def read_document(self, number: str) -> Invoice | None:
        """The document with this Accord or Tryton number as a canonical `Invoice`."""
        records = self._search_invoices(
            [["OR", ("reference", "=", number), ("number", "=", number)]]
        )
        return self._canonical(records)[0] if records else None

    def list_documents(self) -> Sequence[Invoice]:
        """Every customer invoice and credit note in Tryton, read back as canonical."""
        return self._canonical(self._search_invoices([]))

    def list_payments(self, since: dt.date | None) -> Sequence[Payment]:
        """Payments registered against customer invoices, received on or after ``since``.

        Reads the invoices' payment lines (what Tryton's *Pay* wizard and payment
        reconciliation record): one canonical `Payment` per move line.
        """
        invoices = self._search_invoices(
            [("payment_lines", "!=", None)],
            ["reference", "number", "party.code", "currency.code", "payment_lines"],
        )
        invoice_of_line = {line: record for record in invoices for line in record["payment_lines"]}
        if not invoice_of_line:
            return []
        domain: list[Any] = [("id", "in", sorted(invoice_of_line))]
        if since is not None:
            domain.append(("date", ">=", since))
        lines = self.rpc.model(
            "account.move.line", "search_read", domain, 0, None, [["date", "ASC"], ["id", "ASC"]],
            ["date", "debit", "credit", "move.number"],
        )  # fmt: skip
        return [
            mapping.canonical_payment(line, invoice_of_line[line["id"]])
            for line in lines
            if mapping.is_money_received(line)
        ]

    # Set-up and look-ups -------------------------------------------------------------

    def setup(self) -> mapping.LedgerSetup:
        """The company, journal, product, accounts and taxes, looked up once."""
        if self._setup is None:
            self._setup = load_ledger_setup(self.rpc, self.settings.product_code)
        return self._setup

    def _find(self, kind: str, key: str, model: str, domain: list[Any]) -> int | None:
        known = self.ids.get(kind, key)
        if known is not None:
            return known
        found = self.rpc.model(model, "search", domain, 0, 1, None)
        return int(found[0]) if found else None

    def _party_id(self, customer_id: str) -> int:
        party = self._find("customer", customer_id, "party.party", [("code", "=", customer_id)])
        if party is None:
            raise RejectedError(
                404,
                "",
                reason=f"customer {customer_id} is not in Tryton; upsert the customer first",
            )
        self.ids.put("customer", customer_id, party)
        return party

    def _country(self, code: str) -> int | None:
        found = self.rpc.model("country.country", "search", [("code", "=", code)], 0, 1, None)
        return int(found[0]) if found else None

    def _update_party(self, party: int, customer: Customer, country: int | None) -> None:
        self.rpc.model("party.party", "write", [party], {"name": customer.name})
        (record,) = self.rpc.model("party.party", "read", [party], ["addresses"])
        address = mapping.address_values(customer, country)
        if record["addresses"]:
            self.rpc.model("party.address", "write", record["addresses"][:1], address)
        else:
            self.rpc.model("party.address", "create", [{**address, "party": party}])

    def party_accounts(self, customer_id: str) -> mapping.PartyAccounts:
        """The customer's party, address and receivable account; refused when Tryton
        does not hold the customer or it has no address."""
        party = self._party_id(customer_id)
        (record,) = self.rpc.model(
            "party.party", "read", [party], ["addresses", "account_receivable"]
        )
        if not record["addresses"]:
            raise RejectedError(
                422, "", reason=f"customer {customer_id} has no address in Tryton; add one"
            )
        return mapping.PartyAccounts(
            party=party,
            address=record["addresses"][0],
            receivable=record["account_receivable"] or self.setup().default_receivable,
        )

    def _create_invoice(self, invoice: Invoice, idempotency_key: str) -> int:
        values = self.invoice_values(invoice, idempotency_key, self.party_accounts)
        (created,) = self.rpc.model(INVOICE, "create", [values], retry_safe=False)
        return int(created)

    def invoice_values(
        self,
        invoice: Invoice,
        idempotency_key: str,
        party: Callable[[str], mapping.PartyAccounts],
    ) -> dict[str, Any]:
        """What `create` takes for the document, with the customer's accounts from
        `party`; a document Tryton cannot take is a `RejectedError`, nothing written."""
        origins = self._credited_lines(invoice)
        try:
            return mapping.invoice_values(
                invoice, idempotency_key, self.setup(), party(invoice.customer), origins
            )
        except ValueError as error:
            raise RejectedError(422, "", reason=str(error)) from error

    def _credited_lines(self, invoice: Invoice) -> list[str | None]:
        """For a credit note, the original invoice line each line credits (by description)."""
        if not invoice.references:
            return [None] * len(invoice.lines)
        originals = self._search_invoices([("reference", "in", list(invoice.references))])
        if not originals:
            raise RejectedError(
                404,
                "",
                reason=f"credit note {invoice.business_key()} references "
                f"{', '.join(invoice.references)}, which Tryton does not hold; post it first",
            )
        line_ids = [line for record in originals for line in record["lines"]]
        lines = self.rpc.model("account.invoice.line", "read", line_ids, ["description"])
        by_description = {line["description"]: line["id"] for line in lines}
        fallback = line_ids[0]
        return [
            f"account.invoice.line,{by_description.get(line.description, fallback)}"
            for line in invoice.lines
        ]

    def _search_invoices(
        self, domain: list[Any], fields: list[str] = mapping.INVOICE_FIELDS
    ) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = self.rpc.model(
            INVOICE, "search_read", [("type", "=", "out"), *domain], 0, None, [["id", "ASC"]],
            fields,
        )  # fmt: skip
        return records

    def _canonical(self, records: list[dict[str, Any]]) -> list[Invoice]:
        line_ids = [line for record in records for line in record["lines"]]
        lines = self.rpc.model("account.invoice.line", "read", line_ids, mapping.LINE_FIELDS)
        by_id = {line["id"]: line for line in lines}
        origin_ids = sorted({origin for record in records for origin in record["origin_invoices"]})
        numbers = {
            origin["id"]: origin.get("reference") or origin["number"]
            for origin in self.rpc.model(INVOICE, "read", origin_ids, ["reference", "number"])
        }
        rates = self.setup().rates_by_tax
        return [
            mapping.canonical_invoice(
                record,
                [by_id[line] for line in record["lines"]],
                rates,
                [numbers[origin] for origin in record["origin_invoices"]],
            )
            for record in records
        ]
