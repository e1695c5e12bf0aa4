"""The pure parts of the NetSuite connector: record bodies, error texts, write keys,
and the payment mapping's checks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from accord.canonical.v1 import ChargeKind, DocumentKind, Invoice, InvoiceLine, TaxCategory
from accord.connectors.netsuite import MAPPINGS
from accord.connectors.netsuite.asynchronous import async_request_key
from accord.connectors.netsuite.auth import M2MGrant, TokenAuth, grant_from_config
from accord.connectors.netsuite.documents import record_body
from accord.connectors.netsuite.payments import payment_mapping
from accord.connectors.netsuite.rest import describe_errors
from accord.connectors.sdk.tabular import MappingFileError
from accord.simulators.netsuite.m2m import SANDBOX_KEY_FILE


def line(net: str) -> InvoiceLine:
    return InvoiceLine(
        kind=ChargeKind.TIME,
        description="Consulting",
        quantity=Decimal("1"),
        unit_price=Decimal(net),
        net=Decimal(net),
        tax_category=TaxCategory.STANDARD,
        tax_rate=Decimal("19"),
    )


def test_line_taxes_add_up_to_the_documents_tax_with_the_leftover_on_the_last_line() -> None:
    document = Invoice(
        id="D1", number="INV-1", kind=DocumentKind.INVOICE, type_code="380", contract="K1",
        customer="C1", entity="DE01", currency="EUR", issue_date=dt.date(2026, 1, 31),
        lines=[line("0.05"), line("0.05"), line("0.05")], net_total=Decimal("0.15"),
        tax_total=Decimal("0.03"), gross_total=Decimal("0.18"),
    )  # fmt: skip

    body = record_body(document, {"department": "CONSULTING"})

    taxes = [item["custcol_accord_tax_amount"] for item in body["item"]["items"]]
    assert taxes == [Decimal("0.01"), Decimal("0.01"), Decimal("0.01")]
    assert sum(taxes) == document.tax_total
    assert body["department"] == {"externalId": "CONSULTING"}
    assert body["entity"] == {"externalId": "C1"}


def test_netsuite_error_details_name_code_and_detail() -> None:
    body = '{"status": 400, "o:errorDetails": [{"detail": "Closed.", "o:errorCode": "X"}]}'

    assert describe_errors(body) == "X: Closed."
    assert describe_errors("<html>gateway</html>") == "<html>gateway</html>"


def test_the_same_write_has_the_same_key_and_a_changed_one_another() -> None:
    key = async_request_key("invoice", "post-1", {"memo": "a"})

    assert key == async_request_key("invoice", "post-1", {"memo": "a"})
    assert key != async_request_key("invoice", "post-1", {"memo": "b"})


def test_a_payment_mapping_must_follow_the_last_modification() -> None:
    document = yaml.safe_load((MAPPINGS / "payment.yaml").read_text())
    document["table"]["cursor"] = "tranid"

    with pytest.raises(MappingFileError, match="cursor: lastmodifieddate"):
        payment_mapping(document)


def test_an_unreadable_private_key_file_is_named_in_plain_words(tmp_path: Path) -> None:
    settings = {
        "client_id": "c",
        "certificate_id": "k",
        "private_key_file": str(tmp_path / "missing.pem"),
    }

    with pytest.raises(ValueError, match="private_key_file cannot be read"):
        grant_from_config(settings, "netsuite", "https://1234567.suitetalk.api.netsuite.com")


def test_auth_chooses_between_both_kinds_of_credentials_and_names_a_wrong_choice() -> None:
    both = {
        "client_id": "accord-integration",
        "certificate_id": "cert-1",
        "private_key_file": str(SANDBOX_KEY_FILE),
        "account_id": "1234567",
        "consumer_key": "ck",
        "consumer_secret": "cs",
        "token_id": "ti",
        "token_secret": "ts",
    }
    url = "https://1234567.suitetalk.api.netsuite.com"

    assert isinstance(grant_from_config(both, "netsuite", url), TokenAuth)
    assert isinstance(grant_from_config(both | {"auth": "m2m"}, "netsuite", url), M2MGrant)
    with pytest.raises(ValueError, match=r"auth must be m2m .* or tba"):
        grant_from_config(both | {"auth": "oauth1"}, "netsuite", url)
