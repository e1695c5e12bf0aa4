"""Every document the public scenarios issue is a valid EN 16931 e-invoice in UBL and CII,
once the firm's master data names the seller as the standard requires; and a document that
breaks a rule is held as an exception for billing before it is sent anywhere.

The public files give no seller VAT or registration ids (EN 16931 BR-S-02, BR-CO-26 require
one), so each run here adds them to a copy, as a firm's configuration would hold them, and
switches on `send_einvoices`: posting then validates every document before it goes out.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from accord.adapters.einvoice.saxon import SaxonEN16931Validator
from accord.domain.billing.einvoice import EInvoiceSyntax
from tests.scenarios.test_public_scenarios import FILES, SCENARIOS

pytestmark = pytest.mark.slow

SELLER_IDS = {"DE": "DE123456789", "GB": "GB123456789"}


@pytest.fixture(scope="module")
def validator() -> SaxonEN16931Validator:
    return SaxonEN16931Validator(lambda: dt.datetime(2026, 1, 1, tzinfo=dt.UTC))


def _with_master_data(source: Path, target: Path, *, seller_vat: bool = True) -> Path:
    """A copy of `source` whose firm sends e-invoices and names its entities as EN 16931
    requires; without `seller_vat`, the entities lack their VAT ids and nothing is paid
    (an invoice that never left cannot be paid)."""
    scenario: dict[str, Any] = yaml.safe_load(source.read_text(encoding="utf-8"))
    if not seller_vat:
        events = scenario["events"]
        scenario["events"] = [e for e in events if e["type"] != "payment.received"]
    firm = scenario["firm"]
    firm["send_einvoices"] = True
    for entity in firm["entities"]:
        entity |= {"street": "1 Main Street", "city": "Capital", "postal_code": "10001"}
        entity |= {"registration_id": f"REG-{entity['id']}", "payment_terms": "30 days net"}
        if seller_vat and entity["country"] in SELLER_IDS:
            entity["tax_id"] = SELLER_IDS[entity["country"]]
    for customer in scenario["customers"]:
        customer |= {"street": "2 High Street", "city": "Harbour", "postal_code": "20002"}
    target.write_text(yaml.safe_dump(scenario, sort_keys=False), encoding="utf-8")
    return target


def _accord(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "accord.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _stored(workdir: Path, query: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(workdir / "accord.sqlite") as connection:
        return connection.execute(query).fetchall()


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_document_of_a_public_scenario_is_a_valid_einvoice(
    validator: SaxonEN16931Validator, tmp_path: Path, path: Path
) -> None:
    scenario = _with_master_data(path, tmp_path / path.name)
    documents, workdir = tmp_path / "documents", tmp_path / "run"
    result = _accord(
        "scenario", "run", str(scenario), "--check", "--no-json",
        "--documents", str(documents), "--workdir", str(workdir),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-4000:]
    expected = yaml.safe_load(path.read_text(encoding="utf-8"))["expect"]["documents"]
    numbers = sorted(d["number"] for d in expected)
    files = sorted(p.name for p in documents.iterdir())
    assert files == sorted(f"{n}.{s.value}.xml" for n in numbers for s in EInvoiceSyntax)
    for file in sorted(documents.iterdir()):
        syntax = EInvoiceSyntax(file.suffixes[-2].lstrip("."))
        found = validator.validate(file.name, syntax, file.read_bytes()).violations
        assert found == (), f"{file.name}: " + "; ".join(f"{v.rule} {v.text}" for v in found)
    kept = _stored(workdir, "SELECT number, syntax, status FROM einvoice_validations")
    assert sorted(kept) == sorted((n, s.value, "valid") for n in numbers for s in EInvoiceSyntax)


def test_an_invalid_einvoice_is_held_for_billing_before_it_is_sent_anywhere(
    tmp_path: Path,
) -> None:
    source = SCENARIOS / "tm-correction-de.yaml"
    scenario = _with_master_data(source, tmp_path / source.name, seller_vat=False)
    workdir = tmp_path / "run"
    result = _accord("scenario", "run", str(scenario), "--workdir", str(workdir))
    assert result.returncode == 0, result.stderr[-4000:]
    report = json.loads(result.stdout)
    assert {"kind": "einvoice_invalid", "owner": "billing", "status": "open",
            "subject": "INV-DE01-000001"} in report["exceptions"]  # fmt: skip
    assert report["systems"]["erp"]["documents"] == 0
    assert report["systems"]["billing"]["documents"] == 0
    kept = _stored(
        workdir, "SELECT syntax, status, violations FROM einvoice_validations "
        "WHERE number = 'INV-DE01-000001' ORDER BY syntax",
    )  # fmt: skip
    assert [(syntax, status) for syntax, status, _ in kept] == [
        ("cii", "invalid"),
        ("ubl", "invalid"),
    ]
    assert all("BR-S-02" in {v["rule"] for v in json.loads(found)} for _, _, found in kept)
    messages = _stored(workdir, "SELECT message FROM exceptions WHERE kind = 'einvoice_invalid'")
    assert messages and "[BR-S-02]" in messages[0][0]
