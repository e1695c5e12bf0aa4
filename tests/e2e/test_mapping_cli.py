"""`accord mapping test` as a firm uses it: the shipped Salesforce account mapping over
sample records, the firm's override (its org keeps the customer code in a custom field of
its own) changing the canonical output and the diff naming the field, and a broken
mapping refused with the record, the field and the expression."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from accord.connectors.salesforce import MAPPINGS
from tests.forked_cli import run_accord

ACCOUNTS = [
    {
        "Id": "001A",
        "Accord_Id__c": "CUST-1",
        "Customer_Code__c": "ACME-001",
        "Name": "Acme Advisory",
        "BillingCountry": "DE",
        "BillingCity": "Berlin",
        "SystemModstamp": "2026-03-01T10:00:00.000+0000",
    },
    {
        "Id": "001B",
        "Accord_Id__c": "CUST-2",
        "Customer_Code__c": "GLOBEX-002",
        "Name": "Globex",
        "BillingCountry": "FR",
        "SystemModstamp": "2026-03-02T10:00:00.000+0000",
    },
]


def accord(*args: str) -> subprocess.CompletedProcess[str]:
    return run_accord(list(args), {"COLUMNS": "200", "PATH": str(Path(sys.executable).parent)})


def shipped_mapping() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((MAPPINGS / "account-customer.yaml").read_text())
    return loaded


def write_sample(folder: Path) -> Path:
    sample = folder / "accounts.json"
    sample.write_text(json.dumps(ACCOUNTS))
    return sample


def test_the_shipped_default_maps_sample_accounts_to_canonical_customers(tmp_path: Path) -> None:
    done = accord("mapping", "test", "salesforce", str(write_sample(tmp_path)))

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    customers = [entry["record"] for entry in report["records"]]
    assert [(c["id"], c["name"], c["country"]) for c in customers] == [
        ("CUST-1", "Acme Advisory", "DE"),
        ("CUST-2", "Globex", "FR"),
    ]
    assert customers[0]["city"] == "Berlin"
    assert report["mapping"] == "default"
    assert "differences_from_default" not in report


def test_a_renamed_custom_field_in_the_landscape_changes_the_output_and_the_diff_shows_it(
    tmp_path: Path,
) -> None:
    mapping = shipped_mapping()
    mapping["table"]["key"] = "Customer_Code__c"
    mapping["columns"][0]["name"] = "Customer_Code__c"
    mapping["fields"]["id"] = "Customer_Code__c"
    (tmp_path / "our-accounts.yaml").write_text(yaml.safe_dump(mapping))
    (tmp_path / "landscape.yaml").write_text(
        yaml.safe_dump(
            {
                "sandbox": {},
                "systems": {
                    "crm": {
                        "connector": "salesforce",
                        "base_url": "https://example.my.salesforce.com",
                        "settings": {"mapping": "our-accounts.yaml"},
                    }
                },
            }
        )
    )

    done = accord(
        "mapping", "test", "crm", str(write_sample(tmp_path)),
        "--config", str(tmp_path / "landscape.yaml"),
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert [entry["record"]["id"] for entry in report["records"]] == ["ACME-001", "GLOBEX-002"]
    assert report["differences_from_default"] == [
        {"record": 1, "stream": "accounts", "field": "id", "default": "CUST-1",
         "mapping": "ACME-001"},
        {"record": 2, "stream": "accounts", "field": "id", "default": "CUST-2",
         "mapping": "GLOBEX-002"},
    ]  # fmt: skip
    assert 'field id: default "CUST-1" -> this mapping "ACME-001"' in done.stderr


def test_a_mapping_that_cannot_read_a_record_exits_2_naming_record_field_and_expression(
    tmp_path: Path,
) -> None:
    mapping = shipped_mapping()
    mapping["fields"]["name"] = "length(Name)"
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(mapping))

    done = accord(
        "mapping", "test", "salesforce", str(write_sample(tmp_path)), "--mapping", str(broken)
    )

    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    message = " ".join(done.stderr.split())
    assert "sample record 1 (accounts)" in message
    assert "Account 001A (Accord_Id__c=CUST-1)" in message
    assert "field 'name' (expression 'length(Name)')" in message
    assert done.stdout == ""
