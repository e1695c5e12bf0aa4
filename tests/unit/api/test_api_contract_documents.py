"""The committed OpenAPI document is exactly what the code defines."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from accord.cli.api import asyncapi_document, openapi_document

ROOT = Path(__file__).resolve().parents[3]


def test_committed_openapi_document_matches_the_code() -> None:
    committed = (ROOT / "docs/openapi.json").read_text()
    assert committed == openapi_document(), (
        "docs/openapi.json is out of date: run `accord api openapi --out docs/openapi.json`"
    )


def test_every_operation_declares_problem_responses_and_an_id() -> None:
    document = json.loads((ROOT / "docs/openapi.json").read_text())
    assert document["openapi"] == "3.1.0"
    for path, operations in document["paths"].items():
        assert path.startswith("/api/v1/")
        for operation in operations.values():
            assert operation["operationId"]
            problem = operation["responses"]["422"]["content"]["application/problem+json"]
            assert problem["schema"]["$ref"] == "#/components/schemas/Problem"


def test_committed_asyncapi_document_matches_the_code() -> None:
    committed = (ROOT / "docs/asyncapi.yaml").read_text()
    assert committed == asyncapi_document(), (
        "docs/asyncapi.yaml is out of date: run `accord api asyncapi --out docs/asyncapi.yaml`"
    )


def test_security_doc_prints_the_permission_matrix_the_code_enforces() -> None:
    from accord.application.security import ROLE_PERMISSIONS, Permission, Role

    text = (ROOT / "docs/security.md").read_text()
    header = next(line for line in text.splitlines() if line.startswith("| permission |"))
    roles = [Role(cell.strip()) for cell in header.strip("|").split("|")[1:]]
    for permission in Permission:
        row = next(line for line in text.splitlines() if line.startswith(f"| `{permission}` |"))
        cells = [cell.strip() for cell in row.strip("|").split("|")[1:]]
        documented = {role for role, cell in zip(roles, cells, strict=True) if cell == "yes"}
        actual = {role for role in Role if permission in ROLE_PERMISSIONS[role]}
        assert documented == actual, permission


def test_every_event_the_flows_publish_is_described_and_no_other_can_be_published() -> None:
    import pytest
    import yaml

    from accord.application.flow_events import FLOW_EVENTS, change_message

    document = yaml.safe_load((ROOT / "docs/asyncapi.yaml").read_text())
    messages = {m["name"]: m for m in document["components"]["messages"].values()}
    for event in FLOW_EVENTS:
        data = messages[event.type]["payload"]["properties"]["data"]
        assert set(data["properties"]["after"]["required"]) == set(event.after), event.name
    with pytest.raises(KeyError):
        change_message("document.vanished", "INV-1", "flow:x", None, {}, datetime.now(UTC))
