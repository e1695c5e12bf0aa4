"""Many documents per `create` and per `post` call into a live Tryton, each still posted
once: a batch retried after a timeout on its create, or after a crash between its create
and its post, leaves one invoice per document; a document Tryton refuses fails alone."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import httpx
import pytest

from accord.canonical.v1 import Invoice
from accord.connectors.sdk import BATCH_POSTING, PostedDocument, RejectedError, UnavailableError
from accord.connectors.sdk import idempotency_key as key_for
from accord.connectors.tryton import InMemoryExternalIdMap, TrytonErpConnector, mapping
from accord.connectors.tryton.batch import TrytonBatchPosting
from accord.connectors.tryton.testing import RunningTryton
from tests.integration.tryton.test_tryton_connector import count_invoices, settings_of
from tests.integration.tryton.tryton_helpers import (
    TimeoutAfterDelivery,
    customer,
    document,
    line,
    unique,
)

pytestmark = pytest.mark.tryton


def _batch(connector: TrytonErpConnector, size: int = 3) -> list[tuple[Invoice, str]]:
    customer_id = unique("C")
    connector.upsert_customer(customer(customer_id))
    documents = [
        document(unique("INV-DE01"), customer_id, [line("consultant", str(n + 1), "120.00")])
        for n in range(size)
    ]
    return [(invoice, key_for("erp", "post", invoice.number)) for invoice in documents]


class CountingTransport(httpx.BaseTransport):
    """Delivers every call and notes its method (`model.account.invoice.create`, ...)."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.calls: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(str(json.loads(request.content).get("method")))
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


class CrashBeforePosting:
    """The connector as a batch sees it, killed like a process after creating its drafts
    and before posting them."""

    def __init__(self, connector: TrytonErpConnector) -> None:
        self.ids = connector.ids
        self.rpc = connector.rpc
        self._connector = connector

    def party_accounts(self, customer_id: str) -> mapping.PartyAccounts:
        return self._connector.party_accounts(customer_id)

    def invoice_values(self, *args: Any) -> dict[str, Any]:
        return self._connector.invoice_values(*args)

    def post_drafts(self, invoices: list[int]) -> None:
        raise SystemExit("killed")


def _posted(outcomes: Sequence[object]) -> list[PostedDocument]:
    assert all(isinstance(outcome, PostedDocument) for outcome in outcomes), outcomes
    return list(outcomes)  # type: ignore[arg-type]


def test_a_batch_creates_and_posts_every_document_in_one_call_each(
    tryton_server: RunningTryton, connector: TrytonErpConnector
) -> None:
    batch = _batch(connector, size=5)
    calls = CountingTransport()
    counted = TrytonErpConnector(
        settings_of(tryton_server), InMemoryExternalIdMap(), transport=calls
    )

    posted = _posted(TrytonBatchPosting(counted).post_invoices(batch))

    assert [p.number for p in posted] == [invoice.number for invoice, _ in batch]
    assert {p.status for p in posted} == {"posted"}
    assert all(p.totals is not None and p.totals.total == inv.gross_total
               for p, (inv, _) in zip(posted, batch, strict=True))  # fmt: skip
    assert calls.calls.count("model.account.invoice.create") == 1
    # One post for the batch, repeated only after acknowledging a warning Tryton raises
    # on one of its invoices (the test dates fall due in the past).
    warnings = calls.calls.count("model.res.user.warning.skip")
    assert calls.calls.count("model.account.invoice.post") == 1 + warnings
    assert [count_invoices(connector, inv.number) for inv, _ in batch] == [1] * 5
    assert isinstance(connector.ports()[BATCH_POSTING], TrytonBatchPosting)
    counted.close()


def test_a_batch_whose_create_timed_out_is_retried_into_one_invoice_per_document(
    tryton_server: RunningTryton, connector: TrytonErpConnector
) -> None:
    batch = _batch(connector)
    flaky = TrytonErpConnector(
        settings_of(tryton_server),
        InMemoryExternalIdMap(),
        transport=TimeoutAfterDelivery("model.account.invoice.create"),
    )

    with pytest.raises(UnavailableError):
        TrytonBatchPosting(flaky).post_invoices(batch)
    retried = _posted(TrytonBatchPosting(flaky).post_invoices(batch))
    again = _posted(TrytonBatchPosting(connector).post_invoices(batch))  # another worker

    assert [count_invoices(connector, inv.number) for inv, _ in batch] == [1, 1, 1]
    assert [p.external_id for p in retried] == [p.external_id for p in again]
    flaky.close()


def test_a_crash_between_create_and_post_leaves_drafts_the_next_attempt_posts(
    connector: TrytonErpConnector,
) -> None:
    batch = _batch(connector)
    crashing = TrytonBatchPosting(CrashBeforePosting(connector))
    with pytest.raises(SystemExit):
        crashing.post_invoices(batch)
    fresh = TrytonErpConnector(connector.settings, InMemoryExternalIdMap())  # a new process

    single = fresh.post_invoice(*batch[0])
    rest = _posted(TrytonBatchPosting(fresh).post_invoices(batch[1:]))

    assert [single.status, *(p.status for p in rest)] == ["posted"] * 3
    assert [count_invoices(connector, inv.number) for inv, _ in batch] == [1, 1, 1]
    fresh.close()


def test_a_document_tryton_refuses_fails_alone_and_the_others_are_posted(
    connector: TrytonErpConnector,
) -> None:
    batch = _batch(connector, size=3)
    outside = batch[1][0].model_copy(update={"issue_date": dt.date(2031, 1, 1)})
    batch[1] = (outside, batch[1][1])

    first, refused, last = TrytonBatchPosting(connector).post_invoices(batch)

    assert isinstance(refused, RejectedError) and "period" in refused.reason
    assert isinstance(first, PostedDocument) and isinstance(last, PostedDocument)
    assert (first.status, last.status) == ("posted", "posted")


def test_a_document_named_twice_in_a_batch_is_posted_once(
    connector: TrytonErpConnector,
) -> None:
    (one, two) = _batch(connector, size=2)

    outcomes = _posted(TrytonBatchPosting(connector).post_invoices([one, two, one]))

    assert outcomes[0] == outcomes[2]
    assert [count_invoices(connector, inv.number) for inv, _ in (one, two)] == [1, 1]
