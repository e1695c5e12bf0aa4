"""A hub process's wiring from settings and the landscape: store, connectors, clock.

`wire_hub` is what `accord up` (every role) and the scenario runner build on: the hub,
its services over the connectors the landscape names, and the business clock — the
sandbox's when the landscape is the sandbox, the wall clock otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from accord.application.clock import utc_now
from accord.application.corrections import CorrectionService
from accord.application.journal_posting import JournalPoster
from accord.application.journals import LedgerJournals
from accord.application.posting_corrections import PostingCorrections
from accord.application.reports import HubReports
from accord.bootstrap.connectors import SandboxUrl, build_connectors
from accord.bootstrap.core import Hub, Services, build_hub, build_services, journal_port
from accord.domain.revenue.journals import AccountRole
from accord.flows.operations import FlowCatalog, FlowInvoiceRuns
from accord.flows.posting import resume
from accord.http.ports import HubPorts
from accord.landscape import Landscape
from accord.settings import Settings


@dataclass(frozen=True)
class Wired:
    """A hub process's parts: the hub, its services and the business clock."""

    hub: Hub
    services: Services
    clock: Callable[[], datetime]


def wire_hub(
    settings: Settings,
    landscape: Landscape | None = None,
    *,
    sandbox_url: SandboxUrl | None = None,
    sandbox_clock: Callable[[], datetime] | None = None,
    worker_name: str = "event-worker",
    order: tuple[str, ...] | None = None,
    options: Mapping[str, Mapping[str, Any]] | None = None,
) -> Wired:
    """The hub and its services on `landscape` (default: the sandbox). With a sandbox in
    the landscape, its systems' URLs (`sandbox_url`) and clock (`sandbox_clock`) are
    required."""
    landscape = landscape or Landscape.default()
    clock = utc_now
    if landscape.has_sandbox:
        if sandbox_url is None or sandbox_clock is None:
            raise ValueError("a landscape with the sandbox needs the sandbox's URL and clock")
        clock = sandbox_clock
    hub = build_hub(
        settings, clock=clock, worker_name=worker_name, criticality=landscape.criticality
    )
    connectors = build_connectors(landscape, sandbox_url, order=order, options=options)
    return Wired(hub, build_services(hub, connectors, clock), clock)


def correcting_postings(wired: Wired) -> CorrectionService | None:
    """The hub's corrections, able to correct a posting the ERP refused too: an approved
    one wakes the document's posting flow, so only a process running flows has them."""
    hub, services = wired.hub, wired.services
    if hub.corrections is None:
        return None
    postings = PostingCorrections(hub.unit_of_work, services.billing.document, wired.clock, resume)
    return replace(hub.corrections, postings=postings)


def process_ports(wired: Wired, accounts: Mapping[AccountRole, str] | None = None) -> HubPorts:
    """What the HTTP layer calls in a process that runs (or enqueues) flows: invoice runs,
    flows, exception actions, corrections, e-invoices, journals and reports, for the app
    factory (`accord.http_app.create_app(hub, ports=...)`)."""
    hub, services, clock = wired.hub, wired.services, wired.clock
    journals = LedgerJournals(services.billing, accounts, hub.governance.records)
    return HubPorts(
        invoice_runs=FlowInvoiceRuns(clock),
        flows=FlowCatalog(),
        exception_actions=services.exception_actions,
        reports=HubReports(
            services.billing,
            services.reconciliation,
            clock,
            lambda kind: hub.exceptions(kind=kind),
            services.reconciliation_jobs,
        ),
        einvoicing=services.einvoicing,
        journals=journals,
        journal_posting=JournalPoster(
            journals, services.billing, journal_port(services.connectors), services.exceptions
        ),
        corrections=correcting_postings(wired),
        periods=hub.periods,
    )
