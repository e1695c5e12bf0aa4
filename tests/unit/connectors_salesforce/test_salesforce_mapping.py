"""Salesforce object mappings: the shipped defaults, validation and mapping errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.canonical.v1 import Contract, Customer
from accord.connectors.salesforce.mapping import (
    MAPPINGS,
    RecordNotMapped,
    object_mapping,
)
from accord.connectors.sdk.tabular import MappingFileError

ACCOUNT = {
    "attributes": {"type": "Account"},
    "Id": "001000000000001",
    "SystemModstamp": "2026-01-31T10:00:00.000+0000",
    "Accord_Id__c": "C1",
    "Name": "Nordwind AG",
    "BillingCountry": "DE",
    "BillingCity": "Hamburg",
}
CONTRACT = {
    "Id": "800000000000001",
    "SystemModstamp": "2026-01-31T10:00:00.000+0000",
    "Accord_Id__c": "K1",
    "Accord_Customer__c": "C1",
    "Accord_Entity__c": "DE01",
    "CurrencyIsoCode": "EUR",
    "StartDate": "2026-01-01",
    "Status": "Activated",
    "CustomerSignedDate": "2025-12-20",
    "Billing_Terms__c": '[{"type": "fixed_fee", "id": "ff", "fee": "1000.00"}]',
}


def test_the_default_account_mapping_gives_a_customer_stamped_by_systemmodstamp() -> None:
    mapping = object_mapping(MAPPINGS / "account-customer.yaml")

    customer = mapping.map_record(ACCOUNT)

    assert isinstance(customer, Customer)
    assert (customer.id, customer.name, customer.country, customer.city) == (
        "C1",
        "Nordwind AG",
        "DE",
        "Hamburg",
    )
    assert customer.updated_at is not None and customer.updated_at.isoformat() == (
        "2026-01-31T10:00:00+00:00"
    )
    assert mapping.soql_fields()[:2] == ["Id", "SystemModstamp"]


def test_the_default_contract_mapping_reads_terms_from_a_json_field() -> None:
    contract = object_mapping(MAPPINGS / "contract-contract.yaml").map_record(CONTRACT)

    assert isinstance(contract, Contract)
    assert contract.status == "signed" and str(contract.signed_on) == "2025-12-20"
    assert [(t.id, t.type) for t in contract.terms] == [("ff", "fixed_fee")]


def test_a_mapping_error_names_the_record_the_field_and_the_expression() -> None:
    mapping = object_mapping(MAPPINGS / "contract-contract.yaml")

    with pytest.raises(RecordNotMapped) as raised:
        mapping.map_record(CONTRACT | {"CurrencyIsoCode": "euro"})

    message = str(raised.value)
    assert "Contract 800000000000001 (Accord_Id__c=K1)" in message
    assert "field 'currency' (expression 'CurrencyIsoCode')" in message


def test_terms_that_are_not_json_are_refused_with_the_field_named() -> None:
    mapping = object_mapping(MAPPINGS / "contract-contract.yaml")

    with pytest.raises(RecordNotMapped, match="column 'Billing_Terms__c': not valid JSON"):
        mapping.map_record(CONTRACT | {"Billing_Terms__c": "fee 1000"})


def test_a_mapping_without_the_systemmodstamp_cursor_is_refused(tmp_path: Path) -> None:
    text = (
        (MAPPINGS / "account-customer.yaml")
        .read_text()
        .replace("cursor: SystemModstamp", "cursor: LastModifiedDate")
    )
    (tmp_path / "accounts.yaml").write_text(text)

    with pytest.raises(MappingFileError, match="changes are detected by SystemModstamp"):
        object_mapping(tmp_path / "accounts.yaml")
