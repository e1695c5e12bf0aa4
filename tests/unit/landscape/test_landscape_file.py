"""The landscape file: what a good one gives the connectors, and how a bad one is named."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from accord.bootstrap import connector_configs
from accord.canonical.jsonschema import render
from accord.domain.criticality import Criticality, CriticalityClass, FlowKind
from accord.landscape import (
    SANDBOX_FIRM,
    SCHEMA_FILE,
    Landscape,
    LandscapeError,
    landscape_schema,
    load_landscape,
)

REPO = Path(__file__).resolve().parents[3]
GOOD = """\
version: 1
firm: config/firm.yaml
sandbox: {vendors: false}
systems:
  erp:
    connector: tryton
    base_url: http://tryton.internal:8000
    timeout_seconds: 20
    retry: {max_attempts: 3}
    limits: {max_concurrency: 2, requests_per_second: 5}
    settings:
      database: accord
      login: accord
      password: {env: TEST_TRYTON_PASSWORD}
sources:
  legacy-time:
    connector: filedrop
    settings:
      system: psa
      location: {type: local, root: /srv/exchange}
      feeds:
        - {name: approved_time, directory: inbound, pattern: "*.csv", mapping: time.yaml}
"""

CRITICALITY = """\
criticality:
  flows: {reporting: standard}
  classes:
    critical: {retry_budget: 12, sla_hours: 4}
    low: {retry_budget: null}
"""


def write(folder: Path, text: str) -> Path:
    (folder / "config").mkdir(exist_ok=True)
    (folder / "config" / "firm.yaml").write_text("entities: []\n")
    (folder / "time.yaml").write_text("version: 1\n")
    path = folder / "landscape.yaml"
    path.write_text(text)
    return path


def test_the_committed_schema_is_the_one_the_code_validates_with() -> None:
    committed = (REPO / "schemas" / SCHEMA_FILE).read_text(encoding="utf-8")
    assert committed == render(landscape_schema()), "run `accord schema export`"


def test_a_good_file_gives_each_connector_its_settings_with_secrets_and_paths_resolved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_TRYTON_PASSWORD", "s3cret-value")
    landscape = load_landscape(write(tmp_path, GOOD))

    configs = connector_configs(landscape, lambda role: f"http://sandbox/{role}")

    assert landscape.has_sandbox and landscape.firm_file == tmp_path / "config" / "firm.yaml"
    name, erp = configs["systems.erp"]
    assert name == "tryton"
    assert erp["password"] == "s3cret-value"
    assert (erp["base_url"], erp["timeout"], erp["max_attempts"]) == (
        "http://tryton.internal:8000",
        20,
        3,
    )
    assert (erp["max_concurrency"], erp["requests_per_second"]) == (2, 5)
    assert configs["systems.crm"] == ("sandbox-crm", {"base_url": "http://sandbox/crm"})
    feed = configs["sources.legacy-time"][1]["feeds"][0]
    assert feed["mapping"] == str(tmp_path / "time.yaml")
    assert "s3cret-value" not in repr(landscape.content)


def test_without_a_file_the_sandbox_s_vendor_simulators_play_every_role_a_vendor_has() -> None:
    landscape = Landscape.default()
    generic = Landscape.default(vendors=False)

    assert landscape.has_sandbox and landscape.firm_file == SANDBOX_FIRM
    assert landscape.sandbox_vendors and not generic.sandbox_vendors
    assert {key: cfg.connector for key, cfg in landscape.entries().items()} == {
        "systems.crm": "salesforce",
        "systems.clm": "salesforce-clm",
        "systems.psa": "kantata",
        "systems.hr": "workday",
        "systems.billing": "sandbox-billing",
        "systems.erp": "netsuite",
    }
    assert {cfg.connector for cfg in generic.entries().values()} == {
        f"sandbox-{role}" for role in ("crm", "clm", "psa", "hr", "billing", "erp")
    }


NO_SANDBOX = """\
systems:
  crm: {connector: sandbox-crm, base_url: http://crm}
  clm: {connector: sandbox-clm, base_url: http://clm}
  psa: {connector: sandbox-psa, base_url: http://psa}
  billing: {connector: sandbox-billing, base_url: http://billing}
"""


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        (GOOD.replace("connector: tryton", "connector: trytn"), "systems.erp.connector", "trytn"),
        (GOOD, "systems.erp.settings.password", "TEST_TRYTON_PASSWORD is not set"),
        (
            GOOD.replace("{env: TEST_TRYTON_PASSWORD}", "hunter2"),
            "systems.erp.settings.password",
            "not inline",
        ),
        (
            GOOD.replace("{env: TEST_TRYTON_PASSWORD}", "{file: /nonexistent/secret}"),
            "systems.erp.settings.password",
            "/nonexistent/secret does not exist",
        ),
        (GOOD.replace("20", "soon"), "systems.erp.timeout_seconds", "valid number"),
        (GOOD.replace("max_attempts: 3", "max_attempts: 0"), "systems.erp.retry.max_attempts", ""),
        (GOOD.replace("  erp:", "  erp:\n    colour: red"), "systems.erp.colour", "unknown key"),
        (GOOD.replace("  erp:", "  ledger:"), "systems.ledger", "not a system role"),
        (GOOD.replace("time.yaml", "missing.yaml"), "sources.legacy-time.settings.feeds.0", ""),
        (GOOD.replace("config/firm.yaml", "nofirm.yaml"), "firm", "does not exist"),
        (NO_SANDBOX, "systems.erp", "required"),
        (NO_SANDBOX.replace(", base_url: http://crm", ""), "systems.crm.base_url", "no sandbox"),
        (
            GOOD.replace("{env: TEST_TRYTON_PASSWORD}", "{env: A, file: /b}"),
            "systems.erp.settings.password",
            "exactly one of env or file",
        ),
        ("systems: [erp\n", "(file)", "not valid YAML"),
    ],
)
def test_a_bad_file_names_the_key_and_the_reason(
    tmp_path: Path, text: str, key: str, reason: str
) -> None:
    with pytest.raises(LandscapeError) as raised:
        load_landscape(write(tmp_path, text))

    message = str(raised.value)
    line = next((line for line in message.splitlines() if line.strip().startswith(key)), "")
    assert line and reason in line, message
    assert "hunter2" not in message


def test_criticality_classes_come_from_the_file_over_the_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = GOOD.replace("sources:\n", CRITICALITY + "sources:\n")
    monkeypatch.setenv("TEST_TRYTON_PASSWORD", "x")

    classes = load_landscape(write(tmp_path, text)).criticality

    assert classes.flows[FlowKind.REPORTING] is CriticalityClass.STANDARD
    assert classes.flows[FlowKind.INVOICE_POSTING] is CriticalityClass.CRITICAL
    critical = classes.classes[CriticalityClass.CRITICAL]
    assert (critical.retry_budget, critical.sla, critical.alert) == (12, timedelta(hours=4), True)
    assert classes.classes[CriticalityClass.LOW].retry_budget is None
    assert Landscape.default().criticality == Criticality.default()


def test_a_bad_criticality_class_is_named_with_its_key(tmp_path: Path) -> None:
    text = GOOD.replace("sources:\n", CRITICALITY.replace("standard", "urgent") + "sources:\n")

    with pytest.raises(LandscapeError) as raised:
        load_landscape(write(tmp_path, text))

    [(key, reason)] = raised.value.problems
    assert key == "criticality.flows.reporting"
    assert "'critical', 'standard' or 'low'" in reason
