"""The sandbox firm's activity on an accelerated clock (what `make run` shows).

`ActivityGenerator` loads the generated firm (see `firm.py`) into a running landscape,
lets the simulated clock run (default one simulated day per real second) and, for every
simulated working day, produces what the firm's people do: time and expenses submitted
in the PSA, milestone acceptances, contract amendments in the CLM, customer payments in
the ERP for posted invoices, and now and then a retroactive transfer in HR. It writes
through a `FirmSystems` adapter (`firm_systems.py`): the generic sandbox systems or the
vendor simulators, whichever play the roles.

Submitted time and expenses wait for their approver, as in a real firm: most are
approved a few simulated days later, some are rejected and some are still waiting when
the run ends, so approved work and billed work differ for real. Who is approved, when
and who is not is decided by the seed (an approver's own random stream, so the rest of
the activity is the same as without approvals).
"""

from __future__ import annotations

import random
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx

from accord.connectors.sandbox.clock import SandboxClock
from accord.connectors.sandbox.firm import generate_firm
from accord.connectors.sandbox.firm_systems import (
    ENTRY_PREFIX,
    Collection,
    ExpenseLog,
    FirmSystems,
    TimeLog,
)

__all__ = ["ActivityGenerator"]

MAX_DAYS_PER_TICK = 5
APPROVED_SHARE = 0.85
"""Of the submitted time entries and expenses, the share the approver approves..."""
REJECTED_SHARE = 0.05
"""...and the share rejected; the rest stays submitted, never billed."""
REVIEW_DAYS = (1, 4)
"""How many simulated days after submission the approver decides (inclusive range)."""


@dataclass(frozen=True, slots=True)
class _Review:
    """An approver's pending decision on one submitted entry."""

    due: date
    collection: Collection
    entry: str  # the PSA's id of the entry
    approve: bool


class ActivityGenerator:
    """Keeps the firm's systems busy (`systems`, on the landscape's `clock`); `counts`
    says how much of each activity it produced and `ledger` which records, by key, each
    successful action wrote (a soak run compares every system's effects with it)."""

    def __init__(
        self,
        clock: SandboxClock,
        systems: FirmSystems,
        *,
        seed: int = 42,
        tick: float = 0.2,
        contracts: int = 60,
    ) -> None:
        self.clock = clock
        self.systems = systems
        self.firm = generate_firm(seed, contracts=contracts)
        self.counts: Counter[str] = Counter()
        self.ledger: dict[str, list[str]] = defaultdict(list)
        self._rng = random.Random(seed)
        self._approver = random.Random(f"{seed}:approver")
        self._reviews: list[_Review] = []
        self._tick = tick
        self._loaded = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._day: date | None = None
        self._entries = 0

    def start(self, speed: float = 86_400.0) -> None:
        """Load the firm (first time only) and produce activity in a background thread."""
        if self._thread is not None:
            return
        self._stop.clear()
        self.load()
        if self._stop.is_set():  # stopped while loading: the next start loads it again
            return
        self._day = self.clock.now().date()
        self.clock.run(speed)
        self._thread = threading.Thread(
            target=self._run, name="accord-sandbox-activity", daemon=True
        )
        self._thread.start()

    def load(self) -> None:
        """Write the generated firm into the landscape (the first time only), and go on
        numbering time entries after those the PSA already holds: a generator started
        again on a landscape it filled before (`accord up` restarted on its home) must
        submit new entries, never resubmit an old one's reference (the generic PSA would
        replace that entry, approved and invoiced, by a new submitted one)."""
        if not self._loaded:
            if not self.systems.load_firm(self.firm, self._stop.is_set):
                return  # stopped while loading: the next start completes the load
            self._entries = self.systems.last_entry_number()
            self._loaded = True

    def stop(self) -> None:
        """Stop producing activity and freeze the clock where it is."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._thread = None
        self.clock.run(0)

    def close(self) -> None:
        """Stop, and release the systems' connections."""
        self.stop()
        self.systems.close()

    def _run(self) -> None:
        while not self._stop.wait(self._tick):
            self.catch_up()

    def catch_up(self) -> None:
        """Produce the activity of every simulated day since the last call (a few at most)."""
        assert self._day is not None
        today = self.clock.now().date()
        for _ in range(MAX_DAYS_PER_TICK):
            if self._day >= today or self._stop.is_set():  # stopping: the day in hand only
                return
            self._day += timedelta(days=1)
            if self._day.weekday() < 5:
                self.produce_day(self._day)

    def produce_day(self, day: date) -> None:
        """One working day of the firm; a failing system (fault injection) skips an action
        (a failed approval is tried again the next day)."""
        self._review_due(day)
        actions = [
            (self._log_time, 12),
            (self._log_expense, 2),
            (self._accept_milestone, 1),
            (self._amend, 0.3),
            (self._pay_invoice, 1),
            (self._transfer, 0.1),
        ]
        for action, per_day in actions:
            for _ in range(int(per_day) + (self._rng.random() < per_day % 1)):
                if self._stop.is_set():  # the landscape is stopping: the rest is not done
                    return
                try:
                    action(day)
                except httpx.HTTPError:
                    self.counts["failed"] += 1

    def _staffed(self) -> tuple[dict[str, Any], str]:
        contract = self._rng.choice(self.firm.contracts)
        return contract, self._rng.choice(self.firm.staffing[contract["id"]])

    def _log_time(self, day: date) -> None:
        contract, worker = self._staffed()
        self._entries += 1
        minutes = self._rng.choice([240, 360, 450, 480])
        reference = f"{ENTRY_PREFIX}{self._entries:06d}"
        entry = self.systems.log_time(TimeLog(contract, worker, day, minutes, reference))
        self._done("time_entries", reference)
        self._submitted("time_entries", entry, day)

    def _log_expense(self, day: date) -> None:
        contract, worker = self._staffed()
        amount = Decimal(f"{self._rng.randint(20, 600)}.{self._rng.randint(0, 99):02d}")
        entry = self.systems.log_expense(ExpenseLog(contract, worker, day, amount))
        self._done("expenses", entry)
        self._submitted("expenses", entry, day)

    def _submitted(self, collection: Collection, entry: str, day: date) -> None:
        """The approver's decision on a new entry: approve or reject it some days later,
        or leave it waiting (no review at all)."""
        draw = self._approver.random()
        delay = timedelta(days=self._approver.randint(*REVIEW_DAYS))
        if draw < APPROVED_SHARE + REJECTED_SHARE:
            self._reviews.append(_Review(day + delay, collection, entry, draw < APPROVED_SHARE))

    def _review_due(self, day: date) -> None:
        """Approve or reject each entry whose review is due; keep the ones that fail."""
        waiting = []
        for review in self._reviews:
            if review.due > day or not self._review(review):
                waiting.append(review)
        self._reviews = waiting

    def _review(self, review: _Review) -> bool:
        activity = f"{review.collection}_{'approved' if review.approve else 'rejected'}"
        try:
            self.systems.review(review.collection, review.entry, review.approve)
        except httpx.HTTPError:
            self.counts["failed"] += 1
            return False
        self._done(activity, review.entry)
        return True

    def _accept_milestone(self, day: date) -> None:
        pending = self.systems.pending_milestones()
        if pending:
            milestone = self._rng.choice(pending)
            self.systems.accept_milestone(milestone, day)
            self._done("milestones_accepted", milestone.key)

    def _amend(self, day: date) -> None:
        contract = self._rng.choice([c for c in self.firm.contracts if c["terms"][0]["id"] == "TM"])
        rate = str(self._rng.choice([140, 160, 180]))
        self.systems.amend(contract, rate, day)
        self._done("amendments", f"{contract['id']}@{day.isoformat()}")

    def _pay_invoice(self, day: date) -> None:
        open_invoices = self.systems.open_invoices()
        if open_invoices:
            invoice = self._rng.choice(open_invoices)
            self._done("payments", self.systems.pay_invoice(invoice, day))

    def _transfer(self, day: date) -> None:
        worker = self._rng.choice(self.firm.workers)
        entity = self._rng.choice(["DE01", "US01", "UK01"])
        self.systems.transfer(worker["id"], entity, day - timedelta(days=14))
        self._done("transfers", f"{worker['id']}@{day.isoformat()}")

    def _done(self, activity: str, key: str) -> None:
        """Count a successful action and enter it in the ledger under `key`."""
        self.counts[activity] += 1
        self.ledger[activity].append(key)
