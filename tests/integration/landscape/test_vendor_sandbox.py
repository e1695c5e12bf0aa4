"""`sandbox: {vendors: true}`: the sandbox's vendor simulators play CRM, CLM, PSA, HR and
ERP, reached by the vendor connectors at the sandbox's URL with the simulators' default
credentials; billing keeps the generic system, and a role the file names keeps it."""

from __future__ import annotations

from pathlib import Path

from accord.bootstrap.connectors import build_connectors, check_connectors
from accord.connectors.sandbox.landscape import Landscape as Sandbox
from accord.landscape import load_landscape


def _landscape_file(folder: Path, text: str) -> Path:
    path = folder / "landscape.yaml"
    path.write_text(text)
    return path


def test_the_vendor_simulators_play_every_role_a_vendor_has(tmp_path: Path) -> None:
    landscape = load_landscape(_landscape_file(tmp_path, "version: 1\nsandbox: {vendors: true}\n"))

    with Sandbox() as sandbox:
        checks = check_connectors(landscape, sandbox.base_url)
        crm = build_connectors(landscape, sandbox.base_url)["salesforce"]
        accounts = crm.streams()[0].read(None, 10)

    assert {key: name for key, (name, _) in checks.items()} == {
        "systems.crm": "salesforce",
        "systems.clm": "salesforce-clm",
        "systems.psa": "kantata",
        "systems.hr": "workday",
        "systems.billing": "sandbox-billing",
        "systems.erp": "netsuite",
    }
    assert all(result.ok for _, result in checks.values()), checks
    assert accounts.records == []


def test_a_role_the_file_names_keeps_its_connector(tmp_path: Path) -> None:
    text = "version: 1\nsandbox: {vendors: true}\nsystems:\n  psa: {connector: sandbox-psa}\n"

    landscape = load_landscape(_landscape_file(tmp_path, text))

    assert landscape.entries()["systems.psa"].connector == "sandbox-psa"
    assert landscape.entries()["systems.erp"].connector == "netsuite"
