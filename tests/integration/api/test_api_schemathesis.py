"""Property-based contract test: Schemathesis drives every operation of the committed
OpenAPI document against the app; no 5xx, every response conforms to the document."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accord.application.security import Role
from tests.integration.api.conftest import ApiWorld, make_world

ROOT = Path(__file__).resolve().parents[3]
schema = schemathesis.openapi.from_dict(json.loads((ROOT / "docs/openapi.json").read_text()))
CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def contract_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiWorld]:
    path = tmp_path_factory.mktemp("schemathesis")
    built = make_world(path, f"sqlite:///{path / 'accord.sqlite'}")
    yield built
    built.client.close()
    built.hub.close()


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_honours_the_committed_contract(
    case: schemathesis.Case, contract_world: ApiWorld
) -> None:
    case.operation.schema.app = contract_world.client.app
    case.call_and_validate(
        app=contract_world.client.app, headers=contract_world.as_role(Role.ADMIN), checks=CHECKS
    )
