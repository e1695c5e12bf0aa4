"""How routes reach the hub's process services, by typed attribute, and the 503 when one
is absent (a hub served without its flow engine).

`HubPorts` is what the HTTP layer needs besides the hub itself: the composition root
fills it (`accord.bootstrap.process_ports`) and the app factory takes it
(`accord.http_app.create_app(hub, ports=...)`), so a test hands the factory the fakes it
wants instead of setting services on a built hub. Each accessor returns one service with
its type, so a renamed or retyped service fails `mypy`, not a request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar, cast

from fastapi import Request

from accord.application.corrections import CorrectionService
from accord.application.einvoicing import EInvoicing
from accord.application.journal_posting import JournalPoster
from accord.application.journals import LedgerJournals
from accord.application.operations import ExceptionActions, Flows, InvoiceRuns, Reports
from accord.application.periods import AccountingPeriods
from accord.http.problems import ProblemError

T = TypeVar("T")


@dataclass(frozen=True)
class HubPorts:
    """The hub's process services the routes use; None where this process has none."""

    invoice_runs: InvoiceRuns | None = None
    flows: Flows | None = None
    exception_actions: ExceptionActions | None = None
    """None: the queue's own actions, which wake no flow."""
    reports: Reports | None = None
    einvoicing: EInvoicing | None = None
    journals: LedgerJournals | None = None
    journal_posting: JournalPoster | None = None
    corrections: CorrectionService | None = None
    periods: AccountingPeriods | None = None


def ports(request: Request) -> HubPorts:
    """The process services of the app serving `request`."""
    return cast(HubPorts, request.app.state.ports)


def _wired(service: T | None, name: str) -> T:
    if service is None:
        raise ProblemError(
            503,
            "service-unavailable",
            "Service unavailable",
            f"this hub runs without its '{name}' service; start it with `accord up` "
            "(the flow engine provides it)",
        )
    return service


def invoice_runs(request: Request) -> InvoiceRuns:
    return _wired(ports(request).invoice_runs, "invoice_runs")


def flows(request: Request) -> Flows:
    return _wired(ports(request).flows, "flows")


def reports(request: Request) -> Reports:
    return _wired(ports(request).reports, "reports")


def einvoicing(request: Request) -> EInvoicing:
    return _wired(ports(request).einvoicing, "einvoicing")


def journals(request: Request) -> LedgerJournals:
    return _wired(ports(request).journals, "journals")


def journal_posting(request: Request) -> JournalPoster:
    return _wired(ports(request).journal_posting, "journal_posting")


def periods_of(request: Request) -> AccountingPeriods:
    """The hub's accounting periods; 503 when this hub keeps no billing state."""
    periods = ports(request).periods
    if periods is None:
        raise ProblemError(503, "unavailable", "Service unavailable", "no accounting periods here")
    return periods


def corrections_of(request: Request) -> CorrectionService:
    """The hub's corrections; 503 when this hub has none."""
    service = ports(request).corrections
    if service is None:
        raise ProblemError(503, "unavailable", "Service unavailable", "no corrections here")
    return service
