"""Invoicing timesheet lines into Tryton: Accord's engine and connector against Tryton's own.

A live trytond (the test harness's cached SQLite database) holds one customer, one
employee and, per contract, a project work invoiced *on timesheet* at the contract's
hourly price, with 1,000 timesheet lines each (10,000 in all, created in batches).

- Baseline: Tryton's own project invoicing of those lines: ``project.work.invoice`` on
  the projects (one invoice per project, one line per work and price, every timesheet
  line linked to it), then ``account.invoice.post`` of the new invoices.
- Accord: the same lines as approved time entries (same contracts, hours, dates and
  prices): ``approve_time``, ``run_invoicing`` (rating, grouping, tax, numbering,
  ledger), ``to_invoice`` and the connector's ``BatchPosting`` (what the hub's posting
  flows share when they run at once): one look-up, one create of every invoice with its
  lines, one post, one read-back for the whole batch.

Both sides start logged in and warmed up (one small invoice each, not measured) and end
with posted invoices whose line counts, untaxed and total amounts are checked to be
equal. trytond runs with assertions off (see `_without_asserts`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from accord.application.document_mapping import to_invoice
from accord.canonical.v1 import Customer as CanonicalCustomer
from accord.connectors.sdk import PostedDocument
from accord.connectors.tryton import InMemoryExternalIdMap, TrytonErpConnector, TrytonSettings
from accord.connectors.tryton.batch import TrytonBatchPosting
from accord.connectors.tryton.rpc import TrytonRpc
from accord.connectors.tryton.testing import RunningTryton, running_tryton
from accord.domain.billing.run import run_invoicing
from accord.domain.billing.state import BillingState, approve_time, new_state
from accord.domain.contracts.model import (
    Contract,
    CostRate,
    Customer,
    Employment,
    Entity,
    Firm,
    RateVersion,
    Resource,
    TaxCategory,
    TaxRule,
    TimeAndMaterialsTerm,
)
from accord.domain.delivery.model import TimeEntry

FULL_LINES = 10_000
FULL_CONTRACTS = 10
BATCH = 1_000
WINDOW_DAYS = 28
CUSTOMER = "C-BENCH"
RESOURCE = "R-ADA"
TERM = "TM"
VAT = Decimal(19)
# Tryton's project invoicing answers only when every line is invoiced: allow it minutes.
CALL_TIMEOUT = 600.0
T = TypeVar("T")


@dataclass(frozen=True)
class Line:
    """One timesheet line, identical on both sides."""

    id: str
    contract: str
    day: dt.date
    hours: Decimal


@dataclass(frozen=True)
class Workload:
    """Contracts (id -> hourly price) and their timesheet lines."""

    prices: dict[str, Decimal]
    lines: list[Line]


def workload(prefix: str, lines: int, contracts: int, today: dt.date) -> Workload:
    """`lines` lines spread round-robin over `contracts`, in quarter hours, before today."""
    prices = {f"{prefix}{c:02d}": Decimal(100 + 10 * c) for c in range(contracts)}
    ids = list(prices)
    items = [
        Line(
            f"{prefix}-T{n}",
            ids[n % contracts],
            today - dt.timedelta(days=1 + n % WINDOW_DAYS),
            Decimal(1 + n % 16) / 4,
        )
        for n in range(lines)
    ]
    return Workload(prices, items)


def timed(action: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


class RpcClock:
    """Seconds and calls per JSON-RPC method on one `TrytonRpc`: where the time goes."""

    def __init__(self, rpc: TrytonRpc) -> None:
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self.calls: Counter[str] = Counter()
        send = rpc.call

        def call(method: str, *params: Any, **options: Any) -> Any:
            started = time.perf_counter()
            try:
                return send(method, *params, **options)
            finally:
                name = method.removeprefix("model.")
                self.seconds[name] += time.perf_counter() - started
                self.calls[name] += 1

        rpc.call = call  # type: ignore[method-assign]

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()

    def summary(self) -> str:
        """The methods by time spent, e.g. ``account.invoice.post 7.20 s/10``."""
        return ", ".join(
            f"{name} {seconds:.2f} s/{self.calls[name]}"
            for name, seconds in sorted(self.seconds.items(), key=lambda item: -item[1])
            if seconds >= 0.05
        )


# Tryton side ---------------------------------------------------------------------------


def seed_tryton(erp: TrytonErpConnector, load: Workload, party: int) -> list[int]:
    """Projects invoiced on timesheet with the contracts' prices, and their lines."""
    rpc, setup = erp.rpc, erp.setup()
    (employee,) = rpc.model("company.employee", "search", [], 0, 1, None)
    projects = rpc.model(
        "project.work", "create",
        [
            {
                "name": contract, "type": "project", "company": setup.company, "party": party,
                "project_invoice_method": "timesheet", "product": setup.product,
                "list_price": price, "timesheet_available": True,
            }
            for contract, price in load.prices.items()
        ],
    )  # fmt: skip
    works = rpc.model("project.work", "read", projects, ["name", "timesheet_works"])
    timesheet_work = {work["name"]: work["timesheet_works"][0] for work in works}
    values = [
        {
            "company": setup.company,
            "employee": employee,
            "work": timesheet_work[line.contract],
            "date": line.day,
            "duration": dt.timedelta(hours=float(line.hours)),
        }
        for line in load.lines
    ]
    for start in range(0, len(values), BATCH):
        rpc.model("timesheet.line", "create", values[start : start + BATCH], retry_safe=False)
    return list(projects)


def invoice_with_tryton(rpc: TrytonRpc, projects: list[int], party: int) -> list[int]:
    """Tryton's project invoicing: invoice the projects, then post what it drafted."""
    rpc.model("project.work", "invoice", projects, retry_safe=False)
    drafts: list[int] = rpc.model(
        "account.invoice", "search",
        [("type", "=", "out"), ("state", "=", "draft"), ("party", "=", party)], 0, None, None,
    )  # fmt: skip
    rpc.model("account.invoice", "post", drafts, retry_safe=False)
    return drafts


def uninvoiced_lines(rpc: TrytonRpc, projects: list[int]) -> int:
    """Timesheet lines of these projects that no invoice line covers."""
    works = [f"project.work,{project}" for project in projects]
    domain = [("work.origin", "in", works), ("invoice_line", "=", None)]
    return int(rpc.model("timesheet.line", "search_count", domain))


# Accord side ---------------------------------------------------------------------------


def billing_state(loads: Sequence[Workload], start: dt.date) -> BillingState:
    """A German entity, the customer, the employee and one T&M contract per project."""
    firm = Firm(
        (Entity("DE01", "Accord Test Consulting GmbH", "DE", "EUR"),),
        (),
        (TaxRule("DE01", "DE", TaxCategory.STANDARD, VAT),),
    )
    resource = Resource(
        RESOURCE,
        "Ada Consultant",
        "consultant",
        (Employment("DE01", start),),
        (CostRate(start, Decimal(60), "EUR"),),
    )
    contracts = [
        Contract(
            contract,
            CUSTOMER,
            "DE01",
            "EUR",
            start,
            start + dt.timedelta(days=365),
            (TimeAndMaterialsTerm(TERM, (RateVersion("*", price, start),)),),
        )
        for load in loads
        for contract, price in load.prices.items()
    ]
    return new_state(firm, [Customer(CUSTOMER, "Bench Kunde AG", "DE")], [resource], contracts)


@dataclass
class AccordRun:
    state: BillingState
    posted: list[PostedDocument]
    engine: float
    mapping: float
    tryton: float


def invoice_with_accord(
    erp: TrytonErpConnector, state: BillingState, load: Workload, through: dt.date
) -> AccordRun:
    """Approve the entries, run the invoicing, map and post every document into Tryton."""
    entries = [
        TimeEntry(line.id, line.contract, TERM, RESOURCE, line.day, line.hours)
        for line in load.lines
    ]
    result, engine = timed(lambda: run_invoicing(approve_time(state, entries), through))
    invoices, mapping = timed(lambda: [to_invoice(document) for document in result.documents])
    batch = TrytonBatchPosting(erp)
    outcomes, tryton = timed(
        lambda: batch.post_invoices([(invoice, f"bench:{invoice.number}") for invoice in invoices])
    )
    posted = [outcome for outcome in outcomes if isinstance(outcome, PostedDocument)]
    if len(posted) != len(invoices):
        raise RuntimeError(f"Tryton refused some of the batch: {outcomes}")
    return AccordRun(result.state, posted, engine, mapping, tryton)


# Comparison and the run ----------------------------------------------------------------


Summary = tuple[str, int, Decimal, Decimal]


def totals(rpc: TrytonRpc, invoices: Sequence[int]) -> list[Summary]:
    """(state, line count, untaxed, total) of each invoice, sorted, to compare both sides."""
    records = rpc.model(
        "account.invoice", "read", list(invoices),
        ["state", "lines", "untaxed_amount", "total_amount"],
    )  # fmt: skip
    return sorted(
        (r["state"], len(r["lines"]), r["untaxed_amount"], r["total_amount"]) for r in records
    )


def _check_equivalent(
    rpc: TrytonRpc, baseline: list[int], accord: list[PostedDocument], projects: list[int]
) -> list[Summary]:
    expected = totals(rpc, baseline)
    got = totals(rpc, [int(p.external_id) for p in accord])
    if expected != got or any(state != "posted" for state, *_ in got):
        raise RuntimeError(f"the two sides disagree: Tryton {expected}, Accord {got}")
    left = uninvoiced_lines(rpc, projects)
    if left:
        raise RuntimeError(f"Tryton's project invoicing left {left} timesheet lines uninvoiced")
    return got


def _connector(server: RunningTryton) -> TrytonErpConnector:
    settings = TrytonSettings(
        server.url, server.database, server.login, server.password, timeout=CALL_TIMEOUT
    )
    return TrytonErpConnector(settings, InMemoryExternalIdMap())


def _customer() -> CanonicalCustomer:
    return CanonicalCustomer(
        id=CUSTOMER, name="Bench Kunde AG", country="DE",
        street="Friedrichstraße 1", city="Berlin", postal_code="10117",
    )  # fmt: skip


@contextlib.contextmanager
def _without_asserts() -> Iterator[None]:
    """Start trytond with ``PYTHONOPTIMIZE=1`` (assertions off), Tryton's fastest setting.

    With assertions on, Tryton checks the whole id list (an ``assert``) each time it
    instantiates one record of a browsed list, which makes its project invoicing
    quadratic in the lines per work. The baseline gets Tryton's best case; both sides
    use the same server.
    """
    previous = os.environ.get("PYTHONOPTIMIZE")
    os.environ["PYTHONOPTIMIZE"] = "1"
    try:
        yield
    finally:
        if previous is None:
            del os.environ["PYTHONOPTIMIZE"]
        else:
            os.environ["PYTHONOPTIMIZE"] = previous


@dataclass(frozen=True)
class Measurement:
    """Both sides' timings on the same lines, and what was set up untimed."""

    tryton: float
    tryton_calls: str
    accord: AccordRun
    accord_calls: str
    invoices: list[Summary]
    server_start: float = 0.0
    seed: float = 0.0


def compare(erp: TrytonErpConnector, load: Workload, today: dt.date) -> Measurement:
    """Seed Tryton, warm both paths up on a small workload, then time both on `load`."""
    clock = RpcClock(erp.rpc)
    party = int(erp.upsert_customer(_customer()))
    warm = workload("KW", 20, 1, today)
    warm_projects = seed_tryton(erp, warm, party)
    projects, seed = timed(lambda: seed_tryton(erp, load, party))
    state = billing_state([warm, load], today - dt.timedelta(days=WINDOW_DAYS + 1))
    invoice_with_tryton(erp.rpc, warm_projects, party)
    state = invoice_with_accord(erp, state, warm, today).state
    erp.rpc.login()  # each side starts with a fresh session: posting requires one
    clock.reset()
    baseline, tryton = timed(lambda: invoice_with_tryton(erp.rpc, projects, party))
    tryton_calls = clock.summary()
    erp.rpc.login()
    clock.reset()
    accord = invoice_with_accord(erp, state, load, today)
    accord_calls = clock.summary()
    invoices = _check_equivalent(erp.rpc, baseline, accord.posted, projects)
    return Measurement(tryton, tryton_calls, accord, accord_calls, invoices, seed=seed)


def measure(lines: int, contracts: int, work_dir: Path) -> Measurement:
    """Start a private Tryton, compare both sides on `lines` lines, stop it."""
    load = workload("K", lines, contracts, dt.date.today())
    started = time.perf_counter()
    with _without_asserts(), running_tryton(work_dir) as server:
        server_start = time.perf_counter() - started
        erp = _connector(server)
        try:
            return replace(compare(erp, load, dt.date.today()), server_start=server_start)
        finally:
            erp.close()


def run(scale: float = 1.0) -> list[dict[str, Any]]:
    lines = max(100, int(FULL_LINES * scale))
    contracts = max(1, min(FULL_CONTRACTS, lines // 100))
    with tempfile.TemporaryDirectory(prefix="accord-bench-tryton-") as work_dir:
        m = measure(lines, contracts, Path(work_dir))
    accord = m.accord
    accord_seconds = accord.engine + accord.mapping + accord.tryton
    value, base = lines / accord_seconds, lines / m.tryton
    gross = sum(total for *_, total in m.invoices)
    lines_per_invoice = "/".join(sorted({str(count) for _, count, _, _ in m.invoices}))
    return [
        {
            "name": f"tryton: invoice {lines:,} timesheet lines, {contracts} contracts, "
            "posted in Tryton",
            "value": value,
            "unit": "lines/s",
            "baseline": "Tryton project invoicing (project.work.invoice + post), same lines",
            "baseline_value": base,
            "ratio": value / base,
            "notes": f"Accord {accord_seconds:.2f} s = engine {accord.engine:.2f} s + mapping "
            f"{accord.mapping:.3f} s + batched create/post {accord.tryton:.2f} s "
            f"({m.accord_calls}); Tryton {m.tryton:.2f} s ({m.tryton_calls}); "
            f"both {len(m.invoices)} posted invoices of {lines_per_invoice} line(s), equal amounts "
            f"(gross {gross:,.2f} EUR); Tryton also links every timesheet line to its "
            f"invoice line, Accord keeps that link in its own billing ledger; trytond runs "
            f"with PYTHONOPTIMIZE=1; untimed set-up: trytond start {m.server_start:.1f} s, "
            f"{lines:,} timesheet lines created in {m.seed:.1f} s",
        }
    ]


if __name__ == "__main__":
    import sys

    for row in run(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0):
        print(row)
