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
from accord.application.einvoicing import UnknownDocument
from accord.application.governance import Governance, GovernanceSettings, OidcSettings
from accord.application.journal_posting import JournalPoster
from accord.application.journals import LedgerJournals
from accord.application.operations import FlowKind, RunSummary
from accord.application.security import Role
from accord.bootstrap import Hub, build_hub
from accord.domain.billing.state import BillingState, new_state
from accord.domain.contracts.model import Firm
from accord.http_app import create_app
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
    client: TestClient
    tokens: dict[Role, str]
    private_key: rsa.RSAPrivateKey

    def as_role(self, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


def write_jwks(path: Path) -> rsa.RSAPrivateKey:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    public.update({"kid": "test-key", "use": "sig", "alg": "RS256"})
    path.write_text(json.dumps({"keys": [public]}))
    return key


def make_world(tmp_path: Path, database_url: str) -> ApiWorld:
    private_key = write_jwks(tmp_path / "jwks.json")
    settings = GovernanceSettings(
        oidc=OidcSettings(ISSUER, AUDIENCE, str(tmp_path / "jwks.json")),
        webhook_secrets={"psa": WEBHOOK_SECRET},
        webhook_max_bytes=64 * 1024,
    )
    hub = build_hub(Settings(home=tmp_path, database_url=database_url))
    hub.invoice_runs = FakeInvoiceRuns()  # type: ignore[attr-defined]
    hub.flows = FakeFlows()  # type: ignore[attr-defined]
    hub.reports = FakeReports()  # type: ignore[attr-defined]
    hub.einvoicing = FakeEInvoicing()  # type: ignore[assignment]
    hub.journals = LedgerJournals(FakeBillingBook())
    hub.journal_posting = JournalPoster(
        hub.journals, FakeBillingBook(), FakeJournalPosting(), FakeExceptions()
    )
    governance = build_sql_governance(hub.engine, settings)
    tokens = {role: governance.keys.create(f"{role}-key", [role], None).token for role in Role}
    client = TestClient(create_app(hub, governance), raise_server_exceptions=False)
    return ApiWorld(hub, governance, client, tokens, private_key)


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
