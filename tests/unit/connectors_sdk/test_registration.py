"""The connectors shipped with Accord are registered under the `accord.connectors` group."""

from __future__ import annotations

from accord.connectors.sdk import discover_connectors

SHIPPED = {
    "tryton",
    "sandbox-crm",
    "sandbox-clm",
    "sandbox-psa",
    "sandbox-hr",
    "sandbox-billing",
    "sandbox-erp",
    "salesforce",
    "salesforce-clm",
    "workday",
    "kantata",
    "netsuite",
}


def test_every_shipped_connector_is_discoverable_by_its_name() -> None:
    factories = discover_connectors()

    missing = SHIPPED - set(factories)
    assert not missing, f"not registered (reinstall with `pip install -e .`?): {missing}"
    assert all(callable(factories[name]) for name in SHIPPED)
