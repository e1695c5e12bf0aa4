"""The Kantata OX connector (`kantata`): the PSA over Kantata's `/api/v1/` REST API
(see docs/connectors-kantata.md).

Settings (the landscape's `settings`, plus retry and limits):

- `base_url`: default `https://api.mavenlink.com`
- `access_token`: the OAuth 2.0 bearer token, as `{env: VAR}` or `{file: PATH}`;
  optionally `client_id`, `client_secret` and `refresh_token` to refresh it on a 401
- `service_name`: the `service_name` of Accord's external references, default `Accord`
- `mapping`: the firm's mapping file (its `table.name` says which resource it maps)
- `look_back_seconds`: how far behind the last `updated_at` read a stream reads again,
  for objects that become visible late (default 300; see `sdk.lookback`)

Writes are idempotent through Kantata's external references: every workspace and invoice
Accord creates carries a reference (`service_name`, `service_model`,
`service_model_ref` = Accord's business key), created in the same request, and Accord
looks the reference up before it creates anything.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from accord.canonical.v1 import Contract, Project, TimeEntry
from accord.connectors.kantata.api import MAX_PER_PAGE, KantataSession, objects
from accord.connectors.kantata.listings import KantataListings
from accord.connectors.kantata.mapping import RecordNotMapped, resource_mappings
from accord.connectors.kantata.streams import ResourceStream, WorkspaceDirectory
from accord.connectors.sdk import (
    CheckResult,
    ConnectorError,
    RejectedError,
    Stream,
    System,
)
from accord.connectors.sdk.lookback import look_back_from_config
from accord.connectors.sdk.settings import http_client_from_config

NAME = "kantata"
DEFAULT_URL = "https://api.mavenlink.com"
TIME_ENTRY_PREFIX = "kantata-te-"
Filters = dict[str, str] | None


def session_from_config(config: Mapping[str, Any]) -> KantataSession:
    """The authenticated session the connector talks through."""
    if not config.get("access_token"):
        raise ValueError(
            f"{NAME}: access_token is required: the OAuth 2.0 bearer token of the Kantata "
            "OX user Accord acts as, e.g. access_token: {env: KANTATA_TOKEN}"
        )
    refresh_keys = ("client_id", "client_secret", "refresh_token")
    refresh = {k: str(config[k]) for k in refresh_keys if config.get(k)}
    base_url = str(config.get("base_url") or DEFAULT_URL)
    client = http_client_from_config(config, base_url, NAME, base_delay=0.5)
    complete = len(refresh) == len(refresh_keys)
    return KantataSession(client, str(config["access_token"]), refresh if complete else None)


class KantataConnector:
    """Connector and `PsaGateway` for Kantata OX (see the module docs)."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.session = session_from_config(config)
        self.service = str(config.get("service_name", "Accord"))
        self._keys_lock = threading.Lock()
        self._key_locks: dict[str, threading.Lock] = {}
        self.mappings = resource_mappings(config.get("mapping"))
        self.listings = KantataListings(self.session, self.service)
        workspaces = WorkspaceDirectory(self.session, self.service)
        look_back = look_back_from_config(config)

        def stream(name: str, mapping: str, filters: Filters = None) -> ResourceStream:
            return ResourceStream(
                name, self.session, self.mappings[mapping], workspaces, filters, look_back
            )

        self.time_entries = stream("time_entries", "time_entries")
        self.expenses = stream("expenses", "expenses")
        self.milestones = stream("milestones", "stories", {"story_type": "milestone"})

    @property
    def name(self) -> str:
        return NAME

    @property
    def system(self) -> System:
        return "psa"

    def check(self, config: Mapping[str, Any]) -> CheckResult:
        try:
            session = session_from_config(config)
        except ValueError as error:
            return CheckResult(False, str(error))
        url = str(config.get("base_url") or DEFAULT_URL)
        try:
            body = session.get("/workspaces", per_page=1)
        except ConnectorError as error:
            reachable = isinstance(error, RejectedError)
            return CheckResult(False, f"{NAME}: {url}: {error.reason}", {"reachable": reachable})
        finally:
            session.client.close()
        return CheckResult(
            True,
            f"{NAME}: signed in to {url}; {body.get('count', 0)} workspaces visible",
            {"reachable": True, "authenticated": True},
        )

    def close(self) -> None:
        self.session.client.close()

    def streams(self) -> list[Stream]:
        return [self.time_entries, self.expenses, self.milestones]

    def ports(self) -> dict[str, object]:
        return {
            "PsaGateway": self,
            "ContractListing": self.listings,
            "ProjectListing": self.listings,
        }

    def find(self, resource: str, model: str, ref: str) -> dict[str, Any] | None:
        """The object of `resource` carrying Accord's reference `model`=`ref`, or None."""
        body = self.session.get(
            f"/{resource}",
            external_reference_service_name=self.service,
            external_reference_service_model=model,
            external_reference_service_model_ref=ref,
        )
        found = objects(body)
        return found[0] if found else None

    def _writing(self, key: str) -> threading.Lock:
        """The lock that serialises look-up-then-create of one business key: Kantata does
        not refuse a second object with the same reference, so two concurrent writes of
        one key must not both find nothing and both create."""
        with self._keys_lock:
            return self._key_locks.setdefault(key, threading.Lock())

    def references(self, **refs: str) -> list[dict[str, str]]:
        """External references to create with an object (`service_model=ref` pairs)."""
        return [
            {"service_name": self.service, "service_model": model, "service_model_ref": ref}
            for model, ref in refs.items()
        ]

    def provision_project(self, project: Project, contract: Contract) -> str:
        """The project's workspace: found by its reference, else created with it."""
        with self._writing(f"project:{project.id}"):
            return self._provision(project, contract)

    def _provision(self, project: Project, contract: Contract) -> str:
        fields = {"title": project.name, "currency": contract.currency}
        existing = self.find("workspaces", "project", project.id)
        if existing is not None:
            self.session.call("PUT", f"/workspaces/{existing['id']}", json={"workspace": fields})
            return str(existing["id"])
        refs = self.references(project=project.id, contract=contract.id)
        body = {"workspace": {**fields, "external_references_attributes": refs}}
        created = objects(self.session.call("POST", "/workspaces", json=body).json())
        return str(created[0]["id"])

    def publish_rates(self, contract: Contract) -> None:
        """Nothing to send: Kantata keeps rates in the firm's rate card sets, and Accord
        rates approved time with the contract's own rate card, so no rate is copied."""

    def close_project(self, project_id: str) -> None:
        """Archive the project's workspace; one Kantata never got stays absent."""
        existing = self.find("workspaces", "project", project_id)
        if existing is not None and not existing.get("archived"):
            body = {"workspace": {"archived": True}}
            self.session.call("PUT", f"/workspaces/{existing['id']}", json=body)

    def approved_time(self, since: dt.datetime | None) -> Sequence[TimeEntry]:
        """Approved time entries changed after `since`; one its mapping cannot read
        raises (the stream quarantines it instead)."""
        params: dict[str, Any] = {"approved": "true", "per_page": MAX_PER_PAGE}
        if since is not None:
            params["updated_after"] = since.isoformat()
        entries: list[TimeEntry] = []
        for page in self.session.pages("/time_entries", params):
            for obj in page:
                record = self.mappings["time_entries"].map_object(self.time_entries.row(obj))
                if not isinstance(record, TimeEntry):
                    raise RecordNotMapped(f"time_entries {obj['id']}: maps to {record!r}")
                entries.append(record)
        return entries

    def mark_invoiced(self, entry_ids: Sequence[str], invoice_number: str) -> None:
        """Create the invoice of these entries once, keyed by its number."""
        if not entry_ids:
            return
        with self._writing(f"invoice:{invoice_number}"):
            if self.find("invoices", "invoice", invoice_number) is None:
                self._create_invoice(entry_ids, invoice_number)

    def _create_invoice(self, entry_ids: Sequence[str], invoice_number: str) -> None:
        ids = [e.removeprefix(TIME_ENTRY_PREFIX) for e in entry_ids]
        body = {
            "invoice": {
                "time_entry_ids": ids,
                "external_references_attributes": self.references(invoice=invoice_number),
            }
        }
        self.session.call("POST", "/invoices", json=body)

    def count_invoiced_entries(self) -> int:
        return int(self.session.get("/time_entries", invoiced="true", per_page=1)["count"])


def connector_factory(config: Mapping[str, Any]) -> KantataConnector:
    """Entry point `kantata`: Kantata OX as the PSA."""
    return KantataConnector(config)
