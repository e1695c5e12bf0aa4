"""The Tryton connector against a live trytond: contract-to-cash from customer to payment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from accord.canonical.v1 import DocumentKind, InvoiceStatus
from accord.connectors.sdk import RejectedError, UnavailableError, idempotency_key
from accord.connectors.tryton import (
    InMemoryExternalIdMap,
    TrytonErpConnector,
    TrytonSettings,
    connector_factory,
)
from accord.connectors.tryton.testing import RunningTryton
from tests.integration.tryton.tryton_helpers import (
    TimeoutAfterDelivery,
    customer,
    document,
    line,
    project,
    register_payment,
    unique,
)

pytestmark = pytest.mark.tryton


def settings_of(server: RunningTryton) -> TrytonSettings:
    return TrytonSettings(server.url, server.database, server.login, server.password)


def count_invoices(connector: TrytonErpConnector, reference: str) -> int:
    found = connector.rpc.model(
        "account.invoice", "search", [("reference", "=", reference)], 0, None, None
    )
    return len(found)


def test_customer_is_upserted_by_its_id_with_an_address(connector: TrytonErpConnector) -> None:
    customer_id = unique("C")
    first = connector.upsert_customer(customer(customer_id, "Acme GmbH"))
    again = TrytonErpConnector(connector.settings, InMemoryExternalIdMap()).upsert_customer(
        customer(customer_id, "Acme AG")
    )

    assert again == first
    (party,) = connector.rpc.model(
        "party.party", "read", [int(first)], ["name", "code", "addresses.city"]
    )
    assert (party["name"], party["code"]) == ("Acme AG", customer_id)
    assert [address["city"] for address in party["addresses."]] == ["Berlin"]


def test_a_deactivated_project_is_finished_in_tryton_and_deactivating_again_is_harmless(
    connector: TrytonErpConnector,
) -> None:
    customer_id, project_id = unique("C"), unique("P")
    connector.upsert_customer(customer(customer_id))
    work = int(connector.upsert_project(project(project_id, customer_id)))

    connector.deactivate_project(project_id)
    connector.deactivate_project(project_id)
    connector.deactivate_project(unique("P-never-created"))

    (record,) = connector.rpc.model(
        "project.work", "read", [work], ["progress", "status.progress", "party"]
    )
    assert record["progress"] == 1.0
    assert record["status."]["progress"] == 1.0
    assert record["party"] == connector.ids.get("customer", customer_id)


def test_invoice_credit_note_and_payment_round_trip(connector: TrytonErpConnector) -> None:
    customer_id, number = unique("C"), unique("INV-DE01")
    connector.upsert_customer(customer(customer_id))
    work = connector.upsert_project(project(unique("P"), customer_id))
    invoice = document(
        number, customer_id, [line("consultant", "10", "150.00"), line("architect", "2.5", "200")]
    )

    posted = connector.post_invoice(invoice, idempotency_key("erp", "post-invoice", number))

    assert (posted.number, posted.status) == (number, "posted")
    (work_record,) = connector.rpc.model("project.work", "read", [int(work)], ["party"])
    assert work_record["party"] == connector.ids.get("customer", customer_id)
    read_back = connector.read_document(number)
    assert read_back is not None
    assert (read_back.net_total, read_back.tax_total, read_back.gross_total) == (
        Decimal("2000.00"),
        Decimal("380.00"),
        Decimal("2380.00"),
    )
    assert [(item.description, item.quantity) for item in read_back.lines] == [
        ("consultant", Decimal("10")),
        ("architect", Decimal("2.5")),
    ]

    credit_number = unique("CN-DE01")
    credit = document(
        credit_number, customer_id, [line("consultant", "-2", "150.00", "correction")],
        credit_for=number,
    )  # fmt: skip
    credited = connector.post_invoice(credit, idempotency_key("erp", "post-invoice", credit_number))
    assert credited.status == "posted"
    credit_back = connector.read_document(credit_number)
    assert credit_back is not None
    assert credit_back.kind is DocumentKind.CREDIT_NOTE
    assert credit_back.references == [number]
    assert credit_back.gross_total == Decimal("-357.00")

    register_payment(connector.rpc, int(posted.external_id), Decimal("1000.00"), dt.date.today())
    paid_back = connector.read_document(number)
    assert paid_back is not None
    assert (paid_back.status, paid_back.paid) == (InvoiceStatus.PARTIALLY_PAID, Decimal("1000.00"))
    payments = [p for p in connector.list_payments(dt.date.today()) if p.invoice == number]
    assert [(p.amount, p.currency, p.customer) for p in payments] == [
        (Decimal("1000.00"), "EUR", customer_id)
    ]

    register_payment(connector.rpc, int(posted.external_id), Decimal("1380.00"), dt.date.today())
    settled = connector.get_invoice(number)
    assert settled is not None and settled.status == "paid"
    assert sum(p.amount for p in connector.list_payments(None) if p.invoice == number) == Decimal(
        "2380.00"
    )


def test_invoice_written_twice_around_a_timeout_exists_once(
    tryton_server: RunningTryton, connector: TrytonErpConnector
) -> None:
    customer_id, number = unique("C"), unique("INV-DE01")
    connector.upsert_customer(customer(customer_id))
    invoice = document(number, customer_id, [line("consultant", "8", "120.00")])
    key = idempotency_key("erp", "post-invoice", number)
    flaky = TrytonErpConnector(
        settings_of(tryton_server),
        InMemoryExternalIdMap(),
        transport=TimeoutAfterDelivery("model.account.invoice.create"),
    )

    with pytest.raises(UnavailableError):
        flaky.post_invoice(invoice, key)
    assert count_invoices(connector, number) == 1  # the create reached Tryton

    retried = flaky.post_invoice(invoice, key)
    again = connector.post_invoice(invoice, key)  # another worker, with no id map entry

    assert count_invoices(connector, number) == 1
    assert retried.status == again.status == "posted"
    assert retried.external_id == again.external_id
    flaky.close()


def test_tryton_business_errors_are_rejections_with_trytons_message(
    connector: TrytonErpConnector,
) -> None:
    customer_id = unique("C")
    connector.upsert_customer(customer(customer_id))
    outside = document(
        unique("INV"), customer_id, [line("consultant", "1", "100")], issue_date=dt.date(2031, 1, 1)
    )

    with pytest.raises(RejectedError) as rejected:
        connector.post_invoice(outside, idempotency_key("erp", "post-invoice", outside.number))

    assert not rejected.value.retryable
    assert "create a period for the date" in rejected.value.reason


def test_unknown_tax_rate_is_rejected_before_anything_is_written(
    connector: TrytonErpConnector,
) -> None:
    customer_id, number = unique("C"), unique("INV")
    connector.upsert_customer(customer(customer_id))
    odd = document(number, customer_id, [line("consultant", "1", "100")])
    odd = odd.model_copy(
        update={"lines": [odd.lines[0].model_copy(update={"tax_rate": Decimal("9.00")})]}
    )

    with pytest.raises(RejectedError, match="no Tryton tax with rate 9%"):
        connector.post_invoice(odd, idempotency_key("erp", "post-invoice", number))
    assert count_invoices(connector, number) == 0


def test_expired_session_is_renewed(connector: TrytonErpConnector) -> None:
    connector.check({})
    connector.rpc.logout()  # Tryton forgets the session, as after 5 idle minutes

    assert connector.get_invoice(unique("missing")) is None


def test_wrong_password_is_a_clear_rejection(tryton_server: RunningTryton) -> None:
    wrong = connector_factory(
        {"url": tryton_server.url, "database": tryton_server.database,
         "login": tryton_server.login, "password": "not-the-password"}
    )  # fmt: skip

    result = wrong.check({})

    assert not result.ok
    assert "refused the login" in result.message
    assert "not-the-password" not in result.message
