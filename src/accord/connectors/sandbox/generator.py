"""The sandbox firm's activity on an accelerated clock (what `make run` shows).

`ActivityGenerator` loads the generated firm (see `firm.py`) into a running landscape,
lets the simulated clock run (default one simulated day per real second) and, for every
simulated working day, produces what the firm's people do: time and expenses submitted
in the PSA, milestone acceptances, contract amendments in the CLM, customer payments in
the ERP for posted invoices, and now and then a retroactive transfer in HR.

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
from typing import Any, Protocol

import httpx

from accord.connectors.sandbox.clock import SandboxClock
from accord.connectors.sandbox.firm import generate_firm, populate_landscape

__all__ = ["ActivityGenerator", "RunningLandscape"]

MAX_DAYS_PER_TICK = 5
ENTRY_PREFIX = "GEN-T"
"""Time entries' external references: GEN-T000001, GEN-T000002, ..."""
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
    collection: str  # "time_entries" or "expenses"
    entry: str  # the PSA's id of the entry
    approve: bool


class RunningLandscape(Protocol):
    """What the generator needs of a running landscape: where it answers and its clock.
    `Landscape` is one; declaring it here keeps the landscape the only one of the two that
    imports the other."""

    @property
    def url(self) -> str: ...

    @property
    def clock(self) -> SandboxClock: ...


class ActivityGenerator:
    """Keeps a landscape busy; `counts` says how much of each activity it produced and
    `ledger` which records, by id, each successful action wrote (a soak run compares
    every system's effects with it)."""

    def __init__(
        self, landscape: RunningLandscape, *, seed: int = 42, tick: float = 0.2, contracts: int = 60
    ) -> None:
        self.landscape = landscape
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
        self._day = self.landscape.clock.now().date()
        self.landscape.clock.run(speed)
        self._thread = threading.Thread(
            target=self._run, name="accord-sandbox-activity", daemon=True
        )
        self._thread.start()

    def load(self) -> None:
        """Write the generated firm into the landscape (the first time only), and go on
        numbering time entries after those the PSA already holds: a generator started
        again on a landscape it filled before (`accord up` restarted on its home) must
        submit new entries, never resubmit an old one's reference (the PSA would replace
        that entry, approved and invoiced, by a new submitted one)."""
        if not self._loaded:
            if not populate_landscape(self.landscape.url, self.firm, self._stop.is_set):
                return  # stopped while loading: the next start completes the load
            with httpx.Client(base_url=self.landscape.url, timeout=30) as http:
                self._entries = _last_entry_number(http)
            self._loaded = True

    def stop(self) -> None:
        """Stop producing activity and freeze the clock where it is."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._thread = None
        self.landscape.clock.run(0)

    def _run(self) -> None:
        with httpx.Client(base_url=self.landscape.url, timeout=10) as http:
            while not self._stop.wait(self._tick):
                self.catch_up(http)

    def catch_up(self, http: httpx.Client) -> None:
        """Produce the activity of every simulated day since the last call (a few at most)."""
        assert self._day is not None
        today = self.landscape.clock.now().date()
        for _ in range(MAX_DAYS_PER_TICK):
            if self._day >= today or self._stop.is_set():  # stopping: the day in hand only
                return
            self._day += timedelta(days=1)
            if self._day.weekday() < 5:
                self.produce_day(http, self._day)

    def produce_day(self, http: httpx.Client, day: date) -> None:
        """One working day of the firm; a failing system (fault injection) skips an action
        (a failed approval is tried again the next day)."""
        self._review_due(http, day)
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
                    action(http, day)
                except httpx.HTTPError:
                    self.counts["failed"] += 1

    def _staffed(self) -> tuple[dict[str, Any], str]:
        contract = self._rng.choice(self.firm.contracts)
        return contract, self._rng.choice(self.firm.staffing[contract["id"]])

    def _log_time(self, http: httpx.Client, day: date) -> None:
        contract, worker = self._staffed()
        self._entries += 1
        body = {
            "project": contract["id"],
            "user_id": worker,
            "date_performed": day.isoformat(),
            "time_in_minutes": self._rng.choice([240, 360, 450, 480]),
            "term": contract["terms"][0]["id"],
            # a fixed fee is billed by milestones: the time on it is not billable
            "billable": contract["terms"][0]["type"] != "fixed_fee",
            "approved": False,
            "external_reference": f"{ENTRY_PREFIX}{self._entries:06d}",
        }
        response = http.post("/psa/time_entries", json=body)
        if self._count("time_entries", response, body["external_reference"]):
            self._submitted("time_entries", response, day)

    def _log_expense(self, http: httpx.Client, day: date) -> None:
        contract, worker = self._staffed()
        amount = f"{self._rng.randint(20, 600)}.{self._rng.randint(0, 99):02d}"
        body = {
            "project": contract["id"],
            "user_id": worker,
            "date": day.isoformat(),
            "amount": amount,
            "currency": contract["currency"],
            "category": "travel",
            "approved": False,
        }
        response = http.post("/psa/expenses", json=body)
        if self._count("expenses", response):
            self._submitted("expenses", response, day)

    def _submitted(self, collection: str, response: httpx.Response, day: date) -> None:
        """The approver's decision on a new entry: approve or reject it some days later,
        or leave it waiting (no review at all)."""
        draw = self._approver.random()
        delay = timedelta(days=self._approver.randint(*REVIEW_DAYS))
        if draw < APPROVED_SHARE + REJECTED_SHARE:
            entry = str(response.json()["id"])
            self._reviews.append(_Review(day + delay, collection, entry, draw < APPROVED_SHARE))

    def _review_due(self, http: httpx.Client, day: date) -> None:
        """Approve or reject each entry whose review is due; keep the ones that fail."""
        waiting = []
        for review in self._reviews:
            if review.due > day or not self._review(http, review):
                waiting.append(review)
        self._reviews = waiting

    def _review(self, http: httpx.Client, review: _Review) -> bool:
        decision = {"approved": True} if review.approve else {"rejected": True}
        activity = f"{review.collection}_{'approved' if review.approve else 'rejected'}"
        try:
            response = http.patch(f"/psa/{review.collection}/{review.entry}", json=decision)
        except httpx.HTTPError:
            self.counts["failed"] += 1
            return False
        return self._count(activity, response, review.entry)

    def _accept_milestone(self, http: httpx.Client, day: date) -> None:
        pending = _items(http.get("/psa/milestones", params={"limit": 1000}))
        pending = [m for m in pending if not m["accepted"]]
        if pending:
            milestone = self._rng.choice(pending)
            body = {k: milestone[k] for k in ("project", "name", "term", "milestone")}
            body |= {"accepted": True, "accepted_on": day.isoformat()}
            self._count(
                "milestones_accepted",
                http.put(f"/psa/milestones/eid:{milestone['external_id']}", json=body),
                milestone["external_id"],
            )

    def _amend(self, http: httpx.Client, day: date) -> None:
        contract = self._rng.choice([c for c in self.firm.contracts if c["terms"][0]["id"] == "TM"])
        changes = {
            "rates": [
                {
                    "role": "*",
                    "rate": str(self._rng.choice([140, 160, 180])),
                    "from": day.isoformat(),
                }
            ]
        }
        body = {"term": "TM", "effective_from": day.isoformat(), "changes": changes}
        self._count(
            "amendments",
            http.post(f"/clm/contracts/eid:{contract['id']}/amendments", json=body),
            f"{contract['id']}@{day.isoformat()}",
        )

    def _pay_invoice(self, http: httpx.Client, day: date) -> None:
        documents = _items(http.get("/erp/documents", params={"limit": 1000, "type": "invoice"}))
        open_invoices = [d for d in documents if d["status"] != "paid"]
        if open_invoices:
            document = self._rng.choice(open_invoices)
            body = {
                "invoice_number": document["number"],
                "amount": document["gross_total"],
                "currency": document["currency"],
                "date": day.isoformat(),
            }
            self._count("payments", http.post("/erp/payments", json=body))

    def _transfer(self, http: httpx.Client, day: date) -> None:
        worker = self._rng.choice(self.firm.workers)
        entity = self._rng.choice(["DE01", "US01", "UK01"])
        body = {"entity": entity, "effective_from": (day - timedelta(days=14)).isoformat()}
        self._count(
            "transfers",
            http.post(f"/hr/workers/eid:{worker['id']}/employment", json=body),
            f"{worker['id']}@{day.isoformat()}",
        )

    def _count(self, activity: str, response: httpx.Response, key: str | None = None) -> bool:
        """Count the action; a successful one enters the ledger under `key` (default: the
        id of the record the system answered with). Returns whether it succeeded."""
        if not response.is_success:
            self.counts["failed"] += 1
            return False
        self.counts[activity] += 1
        self.ledger[activity].append(key or str(response.json().get("id")))
        return True


def _last_entry_number(http: httpx.Client) -> int:
    """The highest `GEN-T<n>` reference among the PSA's time entries (0: none)."""
    last, page = 0, None
    while True:
        params: dict[str, Any] = {"limit": 1000} | ({"page": page} if page else {})
        response = http.get("/psa/time_entries", params=params)
        for entry in _items(response):
            reference = str(entry.get("external_reference") or "")
            if reference.startswith(ENTRY_PREFIX) and reference[len(ENTRY_PREFIX) :].isdigit():
                last = max(last, int(reference[len(ENTRY_PREFIX) :]))
        if not (page := response.json().get("next_page")):
            return last


def _items(response: httpx.Response) -> list[dict[str, Any]]:
    """A listing's items; a refused read (an injected fault) raises like a lost call."""
    response.raise_for_status()
    items: list[dict[str, Any]] = response.json()["items"]
    return items
