"""A document goes to the ERP only once its contract is active everywhere (the ERP holds
the customer), and a posting the ERP refused before that waits as an unknown reference
its flow retries on its own, never as a finance rejection nobody retries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from accord.application.steps.activation import ContractActivation
from accord.application.steps.context import Gateways, StepContext
from accord.application.steps.invoice_run import InvoiceRun
from accord.application.steps.posting import DocumentPosting
from accord.connectors.sdk import PostedDocument, RejectedError, UnavailableError
from accord.domain.billing.documents import Document, DocumentKind, DocumentStatus
from accord.domain.billing.posting_order import failed_posting_kind, ready_to_post
from accord.domain.exceptions import RETRIED_BY_ITSELF, BusinessException, ExceptionKind


def test_only_a_contract_active_everywhere_has_its_documents_posted() -> None:
    assert ready_to_post("K1", {"K1", "K2"})
    assert not ready_to_post("K3", {"K1", "K2"})


@pytest.mark.parametrize(
    ("retryable", "active", "kind"),
    [
        (True, False, ExceptionKind.SYSTEM_UNAVAILABLE),
        (True, True, ExceptionKind.SYSTEM_UNAVAILABLE),
        (False, False, ExceptionKind.UNKNOWN_REFERENCE),
        (False, True, ExceptionKind.POSTING_REJECTED),
    ],
)
def test_a_refusal_before_activation_waits_and_after_it_goes_to_finance(
    retryable: bool, active: bool, kind: ExceptionKind
) -> None:
    assert failed_posting_kind(retryable=retryable, contract_active=active) is kind


def test_what_a_refusal_before_activation_becomes_is_retried_by_itself() -> None:
    early = failed_posting_kind(retryable=False, contract_active=False)
    late = failed_posting_kind(retryable=False, contract_active=True)

    assert early in RETRIED_BY_ITSELF and late not in RETRIED_BY_ITSELF


def _document(number: str, contract: str, status: DocumentStatus) -> Document:
    return Document(
        number=number, kind=DocumentKind.INVOICE, contract=contract, customer="C1",
        entity="DE01", currency="EUR", issue_date=dt.date(2026, 1, 31), references=(),
        lines=(), tax_subtotals=(), net_total=Decimal("0"), tax_total=Decimal("0"),
        gross_total=Decimal("0"), status=status,
    )  # fmt: skip


@dataclass
class FakeBilling:
    """Three issued documents (K1 active, K2 not yet) and one posted one."""

    activated: set[str] = field(default_factory=lambda: {"K1"})
    held: tuple[Document, ...] = (
        _document("INV-1", "K1", DocumentStatus.ISSUED),
        _document("INV-2", "K2", DocumentStatus.ISSUED),
        _document("INV-3", "K1", DocumentStatus.POSTED),
        _document("INV-4", "K1", DocumentStatus.ISSUED),
    )

    def documents(self, status: DocumentStatus | None = None) -> tuple[Document, ...]:
        return tuple(d for d in self.held if status in (None, d.status))

    def document(self, number: str) -> Document | None:
        return next((d for d in self.held if d.number == number), None)

    def is_activated(self, contract: str) -> bool:
        return contract in self.activated


@dataclass
class FakeExceptions:
    opened: list[BusinessException] = field(default_factory=list)

    def open(self, exception: BusinessException, details: dict[str, Any]) -> int:
        self.opened.append(exception)
        return len(self.opened)

    def find_open(self, kind: ExceptionKind, subject: str) -> None:
        return None  # no corrected posting approved


@dataclass
class RefusingErp:
    """An ERP that does not hold the customer yet, or is down."""

    error: Exception

    def post_invoice(self, invoice: Any, idempotency_key: str) -> PostedDocument:
        raise self.error


def _context(billing: FakeBilling, erp: Any) -> StepContext:
    gateways: Any = Gateways(erp=erp, billing=None, psa=None, crm=None)  # type: ignore[arg-type]
    return StepContext(billing, FakeExceptions(), gateways, None)  # type: ignore[arg-type]


def _posting(billing: FakeBilling, erp: Any) -> DocumentPosting:
    return DocumentPosting(_context(billing, erp))


NOT_THERE = RejectedError(404, "", reason="customer C1 is not in Tryton; upsert it first")


def test_documents_of_a_contract_not_yet_active_are_not_handed_to_posting() -> None:
    billing = FakeBilling()
    service = InvoiceRun(_context(billing, RefusingErp(NOT_THERE)))

    assert service.awaiting_posting() == ["INV-1", "INV-4"]
    billing.activated.add("K2")
    assert service.awaiting_posting() == ["INV-1", "INV-2", "INV-4"]


def test_a_refused_posting_of_a_contract_still_activating_waits_to_be_retried() -> None:
    outcome = _posting(FakeBilling(), RefusingErp(NOT_THERE)).post_to_erp("INV-2")

    assert not outcome.done
    assert outcome.kind == ExceptionKind.UNKNOWN_REFERENCE.value
    assert outcome.reason is not None and "C1 is not in Tryton" in outcome.reason


def test_a_refused_posting_of_an_active_contract_goes_to_finance() -> None:
    outcome = _posting(FakeBilling(), RefusingErp(NOT_THERE)).post_to_erp("INV-1")

    assert outcome.kind == ExceptionKind.POSTING_REJECTED.value


def test_an_erp_outage_stays_an_outage_whatever_the_activation() -> None:
    erp = RefusingErp(UnavailableError("tryton: timed out"))

    assert _posting(FakeBilling(), erp).post_to_erp("INV-2").kind == "system_unavailable"


def test_once_active_a_contracts_waiting_documents_are_handed_to_posting() -> None:
    billing = FakeBilling()
    service = ContractActivation(_context(billing, RefusingErp(NOT_THERE)))

    assert service.posting_after_activation("K2") == []
    billing.activated.add("K2")
    assert service.posting_after_activation("K2") == ["INV-2"]
    assert service.posting_after_activation("K1") == ["INV-1", "INV-4"]
