"""API fixtures: a hub on SQLite with governance, an OIDC issuer's JWKS file, a webhook
secret, one API key per role, and fakes for the flow-layer ports the API calls."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from jwt.algorithms import RSAAlgorithm

from accord.adapters.governance import build_sql_governance
from accord.adapters.store import BUSY_TIMEOUT_SECONDS
from accord.application.einvoicing import UnknownDocument
from accord.application.governance import Governance, GovernanceSettings, OidcSettings
from accord.application.journal_posting import JournalPoster
from accord.application.journals import LedgerJournals
from accord.application.operations import FlowKind, RunSummary
from accord.application.security import Role
from accord.bootstrap import Hub, build_hub
from accord.domain.billing.state import BillingState, new_state
from accord.domain.contracts.model import Firm
from accord.domain.criticality import Criticality
from accord.http_app import HubPorts, create_app
from accord.settings import Settings
from tests.unit.revenue.journal_fakes import FakeExceptions, FakeJournalPosting

WEBHOOK_SECRET = "whsec-psa-7f3a9c1e5b2d4068"
ISSUER = "https://idp.example.test"
AUDIENCE = "accord"


class FakeInvoiceRuns:
    def __init__(self) -> None:
        self.started: list[RunSummary] = []

    def start(self, through: date, contract: str | None, requested_by: str) -> str:
        run = RunSummary(
            id=f"run-{len(self.started) + 1}",
            kind="invoice_run",
            status="running",
            started_at=datetime.now(UTC),
            requested_by=requested_by,
            parameters={"through": through.isoformat(), "contract": contract},
            result={"net": "1200.00", "margin": "300.00"},
        )
        self.started.append(run)
        return run.id

    def runs(self) -> Sequence[RunSummary]:
        return list(self.started)

    def run(self, run_id: str) -> RunSummary | None:
        return next((run for run in self.started if run.id == run_id), None)


class FakeFlows:
    def __init__(self) -> None:
        self.started: dict[str, RunSummary] = {}

    def names(self) -> Sequence[str]:
        return ["contract_activation"]

    def start(self, flow: str, parameters: Mapping[str, Any], requested_by: str) -> str:
        run_id = f"{flow}-{len(self.started) + 1}"
        self.started[run_id] = RunSummary(
            run_id, flow, "running", datetime.now(UTC), requested_by, dict(parameters)
        )
        return run_id

    def kinds(self) -> Sequence[FlowKind]:
        return [FlowKind("activation", ("set_up_in_erp", "record_activation"), "by hand")]

    def recent(self, kind: str, limit: int) -> Sequence[RunSummary]:
        return [run for run in self.started.values() if run.kind == kind][-limit:][::-1]

    def run(self, run_id: str) -> RunSummary | None:
        return self.started.get(run_id)


class FakeReports:
    def now(self) -> datetime:
        return datetime(2026, 2, 2, 9, 0, tzinfo=UTC)

    def invoices(self) -> Sequence[Mapping[str, Any]]:
        return [{"number": "INV-1", "status": "posted", "net_total": "100.00"}]

    def reconciliation(self) -> Mapping[str, Any]:
        return {"discrepancies": [{"invoice": "INV-1", "erp": "100.00", "billing": "90.00"}]}

    def request_reconciliation(self, requested_by: str) -> Mapping[str, Any]:
        return {"id": 1, "status": "requested", "requested_by": requested_by}

    def reconciliation_run(self, run_id: int) -> Mapping[str, Any] | None:
        return {"id": 1, "status": "done"} if run_id == 1 else None

    def leakage(self) -> Mapping[str, Any]:
        return {"unbilled_hours": "12.5", "margin": "1500.00"}

    def lineage(self, invoice_number: str) -> Mapping[str, Any] | None:
        if invoice_number != "INV-1":
            return None
        return {"invoice": "INV-1", "lines": [{"time_entries": ["TE-1"], "cost_rate": "80"}]}

    def kpis(self) -> Mapping[str, Any]:
        return {"realization": "0.95", "gross_margin": "0.31"}


class FakeEInvoicing:
    """Knows no document: every e-invoice is a 404, every validation list empty."""

    def render(self, number: str, syntax: object) -> bytes:
        raise UnknownDocument(f"no issued document {number!r}")

    def validations(self, number: str) -> list[object]:
        return []


class FakeBillingBook:
    """A billing state held in memory (nothing billed unless a test gives one)."""

    def __init__(self, state: BillingState | None = None) -> None:
        self._state = state or new_state(Firm(()), [], [], [])

    def state(self) -> BillingState:
        return self._state

    def by_contracts(self) -> list[BillingState]:
        return [self._state]

    def firm_state(self) -> BillingState:
        return self._state


@dataclass
class ApiWorld:
    hub: Hub
    governance: Governance
    ports: HubPorts
    client: TestClient
    tokens: dict[Role, str]
    private_key: rsa.RSAPrivateKey

    def as_role(self, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def serve(self, ports: HubPorts | None = None, governance: Governance | None = None) -> None:
        """Serve the same hub and store through a new app built with `ports` (default:
        the world's) and `governance` (default: the world's), as the app factory takes
        them; the client keeps its cookies, so a signed-in person stays signed in."""
        self.ports = ports or self.ports
        cookies = self.client.cookies
        self.client.close()
        app = create_app(self.hub, governance or self.governance, ports=self.ports)
        self.client = TestClient(app, raise_server_exceptions=False, cookies=cookies)


def write_jwks(path: Path) -> rsa.RSAPrivateKey:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    public.update({"kid": "test-key", "use": "sig", "alg": "RS256"})
    path.write_text(json.dumps({"keys": [public]}))
    return key


def fake_ports(hub: Hub) -> HubPorts:
    """The process services the API tests start from: fakes for the flow layer, a billing
    book with nothing billed, and the hub's own corrections and accounting periods."""
    journals = LedgerJournals(FakeBillingBook())
    return HubPorts(
        invoice_runs=FakeInvoiceRuns(),
        flows=FakeFlows(),
        reports=FakeReports(),  # type: ignore[arg-type]
        einvoicing=FakeEInvoicing(),  # type: ignore[arg-type]
        journals=journals,
        journal_posting=JournalPoster(
            journals, FakeBillingBook(), FakeJournalPosting(), FakeExceptions()
        ),
        corrections=hub.corrections,
        periods=hub.periods,
    )


def make_world(
    tmp_path: Path,
    database_url: str,
    *,
    criticality: Criticality | None = None,
    store_busy_timeout: float = BUSY_TIMEOUT_SECONDS,
) -> ApiWorld:
    """A hub on `database_url` (with `criticality`'s classes, else the defaults, and
    `store_busy_timeout`) served with `fake_ports`, and one API key per role."""
    private_key = write_jwks(tmp_path / "jwks.json")
    settings = GovernanceSettings(
        oidc=OidcSettings(ISSUER, AUDIENCE, str(tmp_path / "jwks.json")),
        webhook_secrets={"psa": WEBHOOK_SECRET},
        webhook_max_bytes=64 * 1024,
    )
    hub = build_hub(
        Settings(home=tmp_path, database_url=database_url),
        criticality=criticality,
        store_busy_timeout=store_busy_timeout,
    )
    governance = build_sql_governance(hub.engine, settings)
    tokens = {role: governance.keys.create(f"{role}-key", [role], None).token for role in Role}
    ports = fake_ports(hub)
    client = TestClient(create_app(hub, governance, ports=ports), raise_server_exceptions=False)
    return ApiWorld(hub, governance, ports, client, tokens, private_key)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[ApiWorld]:
    built = make_world(tmp_path, f"sqlite:///{tmp_path / 'accord.sqlite'}")
    yield built
    built.client.close()
    built.hub.close()


def customer_event(event_id: str, key: str = "C1") -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": "crm",
        "type": "accord.customer.v1",
        "data": {"id": key, "name": f"Customer {key}", "country": "DE"},
    }
