"""Every endpoint, called with every role: allowed or denied as docs/security.md says,
and sensitive fields masked for roles without `sensitive`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from accord.application.security import ROLE_PERMISSIONS, Permission, Role
from accord.domain.exceptions import BusinessException, ExceptionKind
from tests.integration.api.conftest import ApiWorld, customer_event

P = Permission
# operation id -> (method, path, json body, the permission it needs)
OPERATIONS: dict[str, tuple[str, str, Any, Permission]] = {
    "ingest_events": ("POST", "/api/v1/events", [customer_event("m1", "C9")], P.WRITE_EVENTS),
    "start_invoice_run": (
        "POST",
        "/api/v1/invoice-runs",
        {"through": "2024-03-31"},
        P.START_RUNS,
    ),
    "list_invoice_runs": ("GET", "/api/v1/invoice-runs", None, P.READ_RUNS),
    "get_invoice_run": ("GET", "/api/v1/invoice-runs/run-1", None, P.READ_RUNS),
    "list_flows": ("GET", "/api/v1/flows", None, P.READ_RUNS),
    "start_flow": (
        "POST",
        "/api/v1/flows/contract_activation/runs",
        {"parameters": {}},
        P.START_FLOWS,
    ),
    "get_flow_run": ("GET", "/api/v1/flow-runs/contract_activation-1", None, P.READ_RUNS),
    "get_status": ("GET", "/api/v1/status", None, P.READ_REPORTS),
    "list_exceptions": ("GET", "/api/v1/exceptions", None, P.READ_EXCEPTIONS),
    "get_exception": ("GET", "/api/v1/exceptions/1", None, P.READ_EXCEPTIONS),
    "act_on_exception": (
        "POST",
        "/api/v1/exceptions/1/actions",
        {"action": "retry", "note": "x"},
        P.ACT_ON_EXCEPTIONS,
    ),
    "preview_correction": (
        "POST",
        "/api/v1/exceptions/1/corrections/preview",
        {"payload": customer_event("m2", "C9"), "note": "x"},
        P.ACT_ON_EXCEPTIONS,
    ),
    "submit_correction": (
        "POST",
        "/api/v1/exceptions/1/corrections",
        {"payload": customer_event("m2", "C9"), "note": "x"},
        P.ACT_ON_EXCEPTIONS,
    ),
    "approve_correction": (
        "POST",
        "/api/v1/exceptions/1/corrections/approval",
        {"note": "x"},
        P.APPROVE_CORRECTIONS,
    ),
    "redrive_exceptions": (
        "POST",
        "/api/v1/exceptions/redrives",
        {"ids": [1], "note": "x"},
        P.ACT_ON_EXCEPTIONS,
    ),
    "close_period": (
        "POST",
        "/api/v1/periods/DE01/2026-01/close",
        {"note": "x"},
        P.MANAGE_PERIODS,
    ),
    "reopen_period": (
        "POST",
        "/api/v1/periods/DE01/2026-01/reopen",
        {"note": "x"},
        P.MANAGE_PERIODS,
    ),
    "list_periods": ("GET", "/api/v1/periods", None, P.READ_REPORTS),
    "get_reconciliation": ("GET", "/api/v1/reconciliation", None, P.READ_REPORTS),
    "request_reconciliation_run": ("POST", "/api/v1/reconciliation/runs", None, P.START_RUNS),
    "get_reconciliation_run": ("GET", "/api/v1/reconciliation/runs/1", None, P.READ_REPORTS),
    "get_leakage": ("GET", "/api/v1/leakage", None, P.READ_REPORTS),
    "list_journals": ("GET", "/api/v1/journals?period=2026-01", None, P.READ_REPORTS),
    "get_lineage": ("GET", "/api/v1/lineage/INV-1", None, P.READ_REPORTS),
    "get_kpis": ("GET", "/api/v1/kpis", None, P.READ_REPORTS),
    "get_einvoice": ("GET", "/api/v1/documents/INV-1/einvoice?syntax=cii", None, P.READ_REPORTS),
    "get_einvoice_validations": (
        "GET",
        "/api/v1/documents/INV-1/einvoice/validations",
        None,
        P.READ_REPORTS,
    ),
    "list_keys": ("GET", "/api/v1/keys", None, P.MANAGE_KEYS),
    "create_key": ("POST", "/api/v1/keys", {"name": "x", "roles": ["viewer"]}, P.MANAGE_KEYS),
    "revoke_key": ("POST", "/api/v1/keys/000000000000/revocation", None, P.MANAGE_KEYS),
    "list_audit": ("GET", "/api/v1/audit", None, P.READ_AUDIT),
    "verify_audit": ("GET", "/api/v1/audit/verification", None, P.READ_AUDIT),
    "list_legal_holds": ("GET", "/api/v1/legal-holds", None, P.PLACE_HOLDS),
    "place_legal_hold": (
        "POST",
        "/api/v1/legal-holds",
        {"scope": "crm", "reason": "case 42"},
        P.PLACE_HOLDS,
    ),
    "release_legal_hold": ("POST", "/api/v1/legal-holds/999/release", None, P.PLACE_HOLDS),
    "purge": ("POST", "/api/v1/retention/purges", None, P.RUN_PURGE),
}

OWNING_TEAM_ONLY = {
    "act_on_exception",
    "preview_correction",
    "submit_correction",
    "redrive_exceptions",
}
"""Operations further limited to the exception's owning team (the seeded one is
integration's)."""


def _every_operation(world: ApiWorld) -> dict[str, tuple[str, str, Any, Permission]]:
    operations = dict(OPERATIONS)
    for path, methods in world.client.app.openapi()["paths"].items():  # type: ignore[attr-defined]
        for method, operation in methods.items():
            op_id = operation["operationId"]
            if op_id in operations or op_id == "receive_webhook":
                continue
            assert op_id.startswith(("list_", "get_")), f"{op_id} is missing from the matrix"
            operations[op_id] = (method.upper(), path.replace("{key}", "K1"), None, P.READ_RECORDS)
    return operations


def _seed(world: ApiWorld) -> None:
    world.hub.ingest.ingest_batch(
        [
            '{"specversion":"1.0","id":"r1","source":"hr","type":"accord.resource.v1",'
            '"data":{"id":"R1","name":"Ada","role":"consultant","cost_rates":'
            '[{"valid_from":"2024-01-01","rate":"80.00","currency":"EUR"}]}}'
        ]
    )
    world.hub.worker.run_once()
    with world.hub.unit_of_work() as uow:
        uow.exceptions.raise_(
            BusinessException(ExceptionKind.SYSTEM_UNAVAILABLE, "erp", "ERP down"),
            {"margin": "12.00"},
            datetime.now(UTC),
        )
        uow.commit()


@pytest.mark.parametrize("role", list(Role))
def test_every_endpoint_allows_exactly_the_roles_the_matrix_grants(
    world: ApiWorld, role: Role
) -> None:
    _seed(world)
    for op_id, (method, path, body, permission) in _every_operation(world).items():
        response = world.client.request(method, path, json=body, headers=world.as_role(role))
        granted = permission in ROLE_PERMISSIONS[role]
        if granted:
            assert response.status_code not in (401, 403) or (
                op_id in OWNING_TEAM_ONLY and role not in (Role.ADMIN, Role.INTEGRATION)
            ), f"{role} should be allowed {op_id}: {response.text}"
            assert response.status_code < 500, f"{op_id} as {role}: {response.text}"
        else:
            assert response.status_code == 403, f"{role} must be denied {op_id}"
            assert response.headers["content-type"] == "application/problem+json"
            assert permission.value in response.json()["detail"]


def test_every_endpoint_refuses_anonymous_callers(world: ApiWorld) -> None:
    for method, path, body, _ in _every_operation(world).values():
        response = world.client.request(method, path, json=body)
        assert response.status_code == 401
        assert response.json()["type"].endswith("/unauthenticated")


@pytest.mark.parametrize("role", list(Role))
def test_cost_rates_margins_are_masked_without_the_sensitive_permission(
    world: ApiWorld, role: Role
) -> None:
    _seed(world)
    headers = world.as_role(role)
    resource = world.client.get("/api/v1/resources/R1", headers=headers).json()
    kpis = world.client.get("/api/v1/kpis", headers=headers).json()
    exceptions = world.client.get("/api/v1/exceptions", headers=headers).json()
    rate = resource["data"]["cost_rates"]
    margin = kpis["billing"]["gross_margin"]
    detail = exceptions["items"][0]["details"]["margin"]
    if Permission.SENSITIVE in ROLE_PERMISSIONS[role]:
        assert rate[0]["rate"] == "80.00" and margin == "0.31" and detail == "12.00"
    else:
        assert rate == "***" and margin == "***" and detail == "***"
    assert resource["data"]["name"] == "Ada"


def test_only_the_owning_team_acts_on_an_exception(world: ApiWorld) -> None:
    _seed(world)
    body = {"action": "skip", "note": "ERP maintenance window, replayed by hand"}
    denied = world.client.post(
        "/api/v1/exceptions/1/actions", json=body, headers=world.as_role(Role.BILLING)
    )
    allowed = world.client.post(
        "/api/v1/exceptions/1/actions", json=body, headers=world.as_role(Role.INTEGRATION)
    )
    assert denied.status_code == 403 and "integration team" in denied.json()["detail"]
    assert allowed.status_code == 200 and allowed.json()["status"] == "skipped"
    trail = world.governance.audit.records()
    assert trail[-1].action == "exception.skip" and trail[-1].after == {
        "status": "skipped",
        "note": body["note"],
    }
