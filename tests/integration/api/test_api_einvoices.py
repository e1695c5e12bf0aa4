"""An issued document downloads as its EN 16931 e-invoice, in UBL or CII, with the latest
validation beside it; people without `reports:read` get neither."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from accord.application.security import Role
from accord.bootstrap import build_einvoicing
from accord.domain.billing.report import render_document
from tests.integration.api.conftest import ApiWorld, make_world
from tests.integration.einvoice.test_einvoicing import _Billing, _state


@pytest.fixture
def world(tmp_path: Path) -> Iterator[ApiWorld]:
    built = make_world(tmp_path, f"sqlite:///{tmp_path / 'accord.sqlite'}")
    clock = lambda: dt.datetime(2026, 2, 1, tzinfo=dt.UTC)  # noqa: E731
    einvoicing = build_einvoicing(built.hub.engine, _Billing(_state()), clock)  # type: ignore[arg-type]
    built.serve(replace(built.ports, einvoicing=einvoicing))
    yield built
    built.client.close()
    built.hub.close()


def test_a_credit_note_downloads_as_ubl_and_cii(world: ApiWorld) -> None:
    headers = world.as_role(Role.BILLING)
    ubl = world.client.get("/api/v1/documents/CN-DE01-000001/einvoice", headers=headers)
    assert ubl.status_code == 200, ubl.text
    assert ubl.headers["content-type"] == "application/xml"
    assert 'filename="CN-DE01-000001.ubl.xml"' in ubl.headers["content-disposition"]
    assert ET.fromstring(ubl.content).tag.endswith("}CreditNote")
    cii = world.client.get("/api/v1/documents/CN-DE01-000001/einvoice?syntax=cii", headers=headers)
    assert cii.status_code == 200
    assert ET.fromstring(cii.content).tag.endswith("}CrossIndustryInvoice")
    assert b"<ram:TypeCode>381</ram:TypeCode>" in cii.content


def test_the_validation_kept_with_the_document_is_readable(world: ApiWorld) -> None:
    einvoicing = world.ports.einvoicing
    assert einvoicing is not None
    einvoicing.validate("INV-DE01-000001")
    found = world.client.get(
        "/api/v1/documents/INV-DE01-000001/einvoice/validations",
        headers=world.as_role(Role.FINANCE),
    )
    assert found.status_code == 200
    assert [(v["syntax"], v["status"], v["violations"]) for v in found.json()] == [
        ("cii", "valid", []),
        ("ubl", "valid", []),
    ]


def test_an_unknown_document_or_syntax_is_a_clear_client_error(world: ApiWorld) -> None:
    headers = world.as_role(Role.BILLING)
    missing = world.client.get("/api/v1/documents/INV-NOPE/einvoice", headers=headers)
    assert missing.status_code == 404
    assert "INV-NOPE" in missing.json()["detail"]
    wrong = world.client.get(
        "/api/v1/documents/INV-DE01-000001/einvoice?syntax=pdf", headers=headers
    )
    assert wrong.status_code == 422


class _Lineage:
    """The invoice page's report: the document as rendered, no time entries."""

    def lineage(self, number: str) -> dict[str, Any] | None:
        document = _state().ledger.documents.get(number)
        return None if document is None else render_document(document)


def test_the_invoice_page_links_downloads_for_a_signed_in_user_only(world: ApiWorld) -> None:
    world.serve(replace(world.ports, reports=_Lineage()))
    path = "/invoices/INV-US01-000001/einvoice/cii"
    anonymous = world.client.get(path, follow_redirects=False)
    signed = world.client.post(
        "/login",
        data={"token": world.tokens[Role.VIEWER]},
        headers={"Origin": "http://testserver"},  # as a browser posts the sign-in form
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text
    page = world.client.get("/invoices/INV-US01-000001")
    assert page.status_code == 200, page.text
    assert 'href="/invoices/INV-US01-000001/einvoice/ubl"' in page.text
    assert f'href="{path}"' in page.text
    signed_in = world.client.get(path)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login"
    assert signed_in.status_code == 200
    assert signed_in.headers["content-type"] == "application/xml"
    assert b"<ram:ID>INV-US01-000001</ram:ID>" in signed_in.content
