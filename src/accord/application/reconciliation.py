"""Continuous reconciliation: read every system, compare with the hub, raise what differs.

`ReconciliationService.run(as_of)` reads each system through the ports its connector
offers (the gateways, and `ContractListing`, `ProjectListing`, `PaymentListing` for
set-up contracts, projects and payment mirrors), compares with the hub's own billing
state using the rules in `accord.domain.reconciliation`, opens one
`reconciliation_discrepancy` exception per discrepancy (subject
`<comparison>:<business key>`, e.g. `documents_hub_erp:INV-DE01-000001`; a double bill
opens a `double_billing` one, e.g. `billed_once_erp:time_entry:T1`) and closes the
ones whose discrepancy has disappeared; the open records are read once per run. A system
that cannot be read is reported under `skipped`; its comparisons neither raise nor
close anything in that run. A comparison whose system offers no listing for it is
reported under `not_compared`, with the port it lacks.

Large inputs go to the fast engine (DuckDB) when one is given: the same rules, the same
findings, vectorised. Documents, the largest reads, travel as columns
(`RecordColumns`, built one field at a time) rather than one object per document; the
hub's may come straight from where the store keeps them (`HubDocumentListing`, e.g. as
Arrow rows), else they are built from the billing state.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol, TypeVar

from accord.application import reconciliation_mapping as mapping
from accord.application.clock import Clock
from accord.application.gateways import (
    BillingGateway,
    ClmGateway,
    ContractListing,
    ErpGateway,
    PaymentListing,
    ProjectListing,
    PsaGateway,
)
from accord.application.ports import ExceptionRecord
from accord.application.reconciliation_hub import HubBook, HubSide, in_parts, whole
from accord.canonical import v1
from accord.domain.billing.state import BillingState
from accord.domain.exceptions import BusinessException, ExceptionKind, OwnerRole
from accord.domain.reconciliation import (
    Discrepancy,
    DiscrepancyKind,
    DocumentRecord,
    Finding,
    LeakageItem,
    LeakageReport,
    Record,
    Tolerances,
    compare_all,
    contract_leakage,
    leakage_report,
    revenue_leakage,
    settle,
)
from accord.domain.reconciliation.in_flight import without_documents_in_flight

KIND = ExceptionKind.RECONCILIATION_DISCREPANCY
KINDS = (KIND, ExceptionKind.DOUBLE_BILLING)
"""The exception kinds a run opens and closes: double billing has its own."""
T = TypeVar("T")
_LISTING_PORT = {
    "contracts": "ContractListing",
    "projects": "ProjectListing",
    "payments": "PaymentListing",
}
Side = tuple[Sequence[Record], Sequence[Record]]


class ReconciliationEngine(Protocol):
    """Runs named comparisons over (left, right) records; see `domain.reconciliation`."""

    def compare(self, records: Mapping[str, Side], tolerances: Tolerances) -> list[Finding]: ...


class InMemoryReconciliationEngine:
    """The reference rules in plain Python: right for small and medium inputs."""

    def compare(self, records: Mapping[str, Side], tolerances: Tolerances) -> list[Finding]:
        return compare_all(records, tolerances)


class ExceptionSink(Protocol):
    """The part of `ExceptionService` reconciliation uses: the open records of a kind
    read once per run, then the new ones opened and the solved ones closed in bulk."""

    def open_records(
        self, owner: OwnerRole | None = None, kind: ExceptionKind | None = None
    ) -> builtins.list[ExceptionRecord]: ...

    def open_all(
        self, problems: Sequence[tuple[BusinessException, Mapping[str, Any]]]
    ) -> builtins.list[int]: ...

    def close_all(self, records: Sequence[ExceptionRecord], note: str) -> int: ...


class HubDocumentListing(Protocol):
    """The documents the hub issued, read where the store keeps them, one record per
    document number; reconciliation's narrow view of the stored billing rows."""

    def document_records(self) -> Sequence[DocumentRecord]: ...


@dataclass(frozen=True, slots=True)
class ReconciliationSources:
    """The systems to read; a gateway left None is not reconciled.

    `contracts`, `projects` and `payments` hold the listings by system role (`billing`,
    `psa`, `erp`, `crm`); a comparison whose system has none is reported not compared.
    """

    erp: ErpGateway | None = None
    billing: BillingGateway | None = None
    psa: PsaGateway | None = None
    clm: ClmGateway | None = None
    contracts: Mapping[str, ContractListing] = field(default_factory=dict)
    projects: Mapping[str, ProjectListing] = field(default_factory=dict)
    payments: Mapping[str, PaymentListing] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ReconciliationReport:
    as_of: date
    discrepancies: tuple[Discrepancy, ...]
    compared: tuple[str, ...]
    skipped: Mapping[str, str] = field(default_factory=dict)
    engine: str = "in-memory"
    not_compared: Mapping[str, str] = field(default_factory=dict)
    """Comparison name to why it was not made: its system offers no listing for it."""

    def to_dict(self) -> dict[str, Any]:
        """The scenario report's `reconciliation` section (plus `skipped` and
        `not_compared` when any)."""
        result: dict[str, Any] = {"discrepancies": [d.to_dict() for d in self.discrepancies]}
        if self.skipped:
            result["skipped"] = dict(sorted(self.skipped.items()))
        if self.not_compared:
            result["not_compared"] = dict(sorted(self.not_compared.items()))
        return result


class _Reads:
    """Reads each source once, remembering which systems failed and why."""

    def __init__(self) -> None:
        self.failed: dict[str, str] = {}
        self.not_compared: dict[str, str] = {}
        self._cache: dict[str, Sequence[Any] | None] = {}

    def get(
        self, name: str, system: str, read: Callable[[], Sequence[Record]]
    ) -> Sequence[Record] | None:
        return self.raw(name, system, lambda: mapping.unique(read()))

    def raw(self, name: str, system: str, read: Callable[[], Sequence[T]]) -> Sequence[T] | None:
        """What `read` returns, as it returns it (documents before they become records)."""
        if name not in self._cache:
            try:
                self._cache[name] = read() if system not in self.failed else None
            except Exception as error:  # a system's outage must not stop the others
                self.failed[system] = f"{type(error).__name__}: {error}"
                self._cache[name] = None
        return self._cache[name]


class ReconciliationService:
    """Compare every system with the hub; see the module docstring.

    `hub` returns the hub's billing state (e.g. `BillingService.state`), read whole
    unless `book` is given. `exceptions`
    may be None for a read-only run (the report only). `fast_engine` takes over from
    `fast_threshold` records in total. `stored_documents`, when given, lists the hub's
    issued documents straight from where the store keeps them (e.g. as Arrow rows a
    columnar reader returns) instead of building them from the billing state. `book`,
    when given, is where a run and leakage read the hub's book, a chunk of contracts at
    a time and by document status (`reconciliation_hub.in_parts`), instead of the
    whole state `hub` returns.
    """

    def __init__(
        self,
        sources: ReconciliationSources,
        hub: Callable[[], BillingState],
        exceptions: ExceptionSink | None,
        clock: Clock,
        tolerances: Tolerances | None = None,
        fast_engine: ReconciliationEngine | None = None,
        fast_threshold: int = 200_000,
        stored_documents: HubDocumentListing | None = None,
        book: HubBook | None = None,
    ) -> None:
        self._sources = sources
        self._stored_documents = stored_documents
        self._book = book
        self._hub = hub
        self._exceptions = exceptions
        self._clock = clock
        self.tolerances = tolerances or Tolerances()
        self._engine: ReconciliationEngine = InMemoryReconciliationEngine()
        self._fast_engine = fast_engine
        self._fast_threshold = fast_threshold

    def run(self, as_of: date | None = None) -> ReconciliationReport:
        """Reconcile now (or as of a date), update the exception queue, return the report."""
        day = as_of or self._clock().date()
        hub = whole(self._hub()) if self._book is None else in_parts(self._book)
        reads = _Reads()
        records = {
            name: (left, right)
            for name, (left, right) in self._records(hub, reads).items()
            if left is not None and right is not None
        }
        size = sum(len(left) + len(right) for left, right in records.values())
        use_fast = self._fast_engine is not None and size >= self._fast_threshold
        engine = self._fast_engine if use_fast and self._fast_engine else self._engine
        findings = without_documents_in_flight(
            engine.compare(records, self.tolerances), hub.being_posted(), day
        )
        discrepancies = tuple(settle(findings, self.tolerances, day))
        if self._exceptions is not None:
            self._update_exceptions(self._exceptions, discrepancies, set(records))
        return ReconciliationReport(
            day,
            discrepancies,
            tuple(records),
            reads.failed,
            "duckdb" if use_fast else "in-memory",
            reads.not_compared,
        )

    def leakage(
        self, as_of: date | None = None, reported: Iterable[LeakageItem] = ()
    ) -> LeakageReport:
        """Approved billable time not invoiced after `tolerances.unbilled_after_days`, cap
        write-downs and accepted-but-unbilled milestones, from the hub's state, plus the
        unbilled time a reconciliation run `reported` that the hub does not hold."""
        day = as_of or self._clock().date()
        days = self.tolerances.unbilled_after_days
        if self._book is None:
            return revenue_leakage(self._hub(), day, days, reported)
        told = list(reported)
        own = [
            item
            for state in self._book.by_contracts()
            for item in contract_leakage(state, day, days)
        ]
        billed = self._book.billed_among(item.key for item in told)
        return leakage_report(day, days, own, told, billed)

    def _records(
        self, hub: HubSide, reads: _Reads
    ) -> dict[str, tuple[Sequence[Record] | None, Sequence[Record] | None]]:
        s = self._sources
        hub_documents = (
            self._stored_documents.document_records()
            if self._stored_documents is not None
            else hub.documents()
        )
        pairs: dict[str, tuple[Sequence[Record] | None, Sequence[Record] | None]] = {}
        if s.clm is not None:
            clm = s.clm
            signed = reads.get(
                "clm",
                "clm",
                lambda: [mapping.signed_contract(c) for c in clm.signed_contracts(None)],
            )
            for system in ("billing", "psa", "erp", "crm"):
                self._listed(pairs, reads, f"contracts_clm_{system}", signed, system)
        self._listed(pairs, reads, "projects_psa_erp", "psa", "erp")
        if s.psa is not None:
            psa = s.psa
            approved = reads.get(
                "psa_time", "psa", lambda: hub.approved_time(list(psa.approved_time(None)))
            )
            pairs["time_psa_hub"] = (approved, hub.billed_time())
        pairs["billed_once_hub"] = (hub.charges(), ())
        if s.billing is not None:
            billing = s.billing
            billed = reads.raw("billing_documents", "billing", billing.list_documents)
            self._documents(pairs, "billing", hub_documents, billed, keeps_settlement=False)
        if s.erp is not None:
            erp = s.erp
            posted = reads.raw("erp_documents", "erp", erp.list_documents)
            self._documents(pairs, "erp", hub_documents, posted, keeps_settlement=True)
            received = reads.get(
                "erp_payments",
                "erp",
                lambda: [mapping.erp_payment(p) for p in erp.list_payments(None)],
            )
            for system in ("billing", "crm"):
                self._listed(pairs, reads, f"payments_erp_{system}", received, system)
        return pairs

    @staticmethod
    def _documents(
        pairs: dict[str, tuple[Sequence[Record] | None, Sequence[Record] | None]],
        system: str,
        hub_documents: Sequence[Record],
        documents: Sequence[v1.Invoice] | None,
        *,
        keeps_settlement: bool,
    ) -> None:
        """The hub's documents against a system's, and that system's own documents for
        items billed twice."""
        if documents is None:
            pairs[f"documents_hub_{system}"] = (hub_documents, None)
            pairs[f"billed_once_{system}"] = (None, ())
            return
        pairs[f"documents_hub_{system}"] = (
            hub_documents,
            mapping.system_documents(documents, keeps_settlement),
        )
        pairs[f"billed_once_{system}"] = (mapping.document_charges(documents), ())

    def _listed(
        self,
        pairs: dict[str, tuple[Sequence[Record] | None, Sequence[Record] | None]],
        reads: _Reads,
        comparison: str,
        left: str | Sequence[Record] | None,
        right: str,
    ) -> None:
        """Pair `left` (records read already, or the system whose listing gives them) with
        the listing of system `right`; the comparison's first word names the listing
        (contracts, projects, payments). A system whose connector offers none makes the
        comparison not compared, and nothing of it is read."""
        what = comparison.split("_", 1)[0]
        listings: Mapping[str, Any] = getattr(self._sources, what)
        systems = [side for side in (left, right) if isinstance(side, str)]
        lacking = [system for system in systems if system not in listings]
        if lacking:
            reads.not_compared[comparison] = "; ".join(
                f"no {system} connector offers a {_LISTING_PORT[what]}" for system in lacking
            )
            return

        def listed(system: str) -> Sequence[Record] | None:
            read: Callable[[], Sequence[Record]] = getattr(listings[system], f"{what[:-1]}_records")
            return reads.get(f"{system}_{what}", system, read)

        pairs[comparison] = (listed(left) if isinstance(left, str) else left, listed(right))

    @staticmethod
    def _update_exceptions(
        sink: ExceptionSink, discrepancies: Sequence[Discrepancy], compared: set[str]
    ) -> None:
        """Open what is new and close what is gone, against the open records of each
        kind read once: the queue is scanned a fixed number of times per run, however
        many discrepancies there are."""
        found = {(d.kind.exception_kind, d.subject): d for d in discrepancies}
        already = {(r.kind, r.subject): r for kind in KINDS for r in sink.open_records(kind=kind)}
        new = [(_exception(d), d.to_dict()) for key, d in found.items() if key not in already]
        gone = [
            record
            for key, record in already.items()
            if record.subject.split(":", 1)[0] in compared and key not in found
        ]
        if new:
            sink.open_all(new)
        if gone:
            sink.close_all(gone, "the systems agree again")


def _exception(discrepancy: Discrepancy) -> BusinessException:
    left, right = discrepancy.systems
    if discrepancy.kind is DiscrepancyKind.DOUBLE_BILLED:
        message = (
            f"double_billed: {discrepancy.key} is billed on {discrepancy.left_value} and "
            f"again on {discrepancy.right_value} in {left} ({discrepancy.amount_at_risk} "
            f"{discrepancy.currency} billed beyond once); finance to credit the duplicate, "
            f"then reconcile again"
        )
    else:
        message = (
            f"{discrepancy.kind.value}: {discrepancy.key} differs between {left} and {right}"
            f" ({left}: {discrepancy.left_value}, {right}: {discrepancy.right_value}); "
            f"{discrepancy.owner.value} to correct the system in error, then reconcile again"
        )
    return BusinessException(
        discrepancy.kind.exception_kind,
        discrepancy.subject,
        message,
        amount_at_risk=discrepancy.amount_at_risk,
        currency=discrepancy.currency,
        blocks=(discrepancy.key,),
        routed_to=discrepancy.owner,
    )
