"""The hub's background work in one process: outbox relay and the scheduler loop.

The scheduler loop ticks (pull, apply, start flows), nudges flows parked on a system
that was down or a record not yet received (each on its own backoff, see
`domain.retry.RetryBackoff`), runs month-end invoicing once a month has closed on the
hub's clock,
requests a reconciliation job on its interval and runs the job requested (by it, the API
or the dashboard) at the next tick, and runs the purges (expired request guards and
sessions hourly, the retention purge daily, the audit anchor hourly) when given its
housekeeping, and sends the exception notifications due. Every piece is
idempotent, so a restarted process simply carries on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from accord.application.housekeeping import Housekeeping
from accord.application.outbox_relay import OutboxRelay
from accord.application.reconciliation_jobs import ReconciliationJobs
from accord.domain.calendar import month_ends_due
from accord.domain.criticality import Criticality
from accord.domain.retry import RetryBackoff
from accord.flows.invoice_run import run_invoices
from accord.loops.scheduler import Scheduler

log = logging.getLogger("accord.hub")
STOP_WITHIN_SECONDS = 5.0
"""How long a stopping hub waits for its loops to finish the batch in hand."""


@dataclass
class Intervals:
    tick: float = 1.0
    retry: float = 30.0
    """The first retry of a flow waiting on a system or a record, after its exception
    opened; each later retry of that exception waits twice as long as the one before."""
    retry_ceiling: float = 120.0
    """The longest wait between two retries of one exception."""
    retry_budget: int | None = 30
    """How many times a flow retries on its own on one exception (about an hour at the
    default delays); then the exception says so and waits for a person (None: forever).
    A hub given criticality classes takes each flow's budget from its class instead."""
    reconcile: float = 60.0
    """How often the scheduler requests a reconciliation job of its own."""
    purge_expired: float = 3600.0
    """Expired idempotency keys, webhook signatures and dashboard sessions."""
    purge_retained: float = 86400.0
    """The retention purge of raw payloads and personal data (legal holds honoured)."""
    anchor_audit: float = 3600.0
    """Sign the audit chain's head and append it to the anchor file (with an audit key)."""
    notify: float = 60.0
    """Send the exception notifications due (new critical ones, SLA breaches)."""


class HubProcess:
    """Starts and stops the relay thread and the scheduler loop."""

    def __init__(
        self,
        relay: OutboxRelay,
        scheduler: Scheduler,
        reconciliation: ReconciliationJobs | None,
        clock: Callable[[], datetime],
        intervals: Intervals | None = None,
        housekeeping: Housekeeping | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        notify: Callable[[], object] | None = None,
        criticality: Criticality | None = None,
    ) -> None:
        self._relay = relay
        self._criticality = criticality
        self._notify = notify
        self._last_notified = float("-inf")
        self._housekeeping = housekeeping
        self._monotonic = monotonic
        # The head is anchored at the first tick too: a hub restarted within the hour
        # would otherwise never anchor it.
        self._last_purged = {
            "expired": monotonic(),
            "retained": monotonic(),
            "anchored": float("-inf"),
        }
        self._last_reconciled = monotonic()
        self._scheduler = scheduler
        self._reconciliation = reconciliation
        self._clock = clock
        self._intervals = intervals or Intervals()
        self._retries = RetryBackoff(
            self._intervals.retry, self._intervals.retry_ceiling, self._intervals.retry_budget
        )
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.last_billed: date | None = None

    def start(self) -> None:
        if self._reconciliation is not None:
            self._reconciliation.recover()
        for name, target in (("relay", self._relay_loop), ("scheduler", self._scheduler_loop)):
            thread = threading.Thread(target=target, name=f"accord-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, within: float = STOP_WITHIN_SECONDS) -> None:
        """Stop the loops: each ends after the batch in hand (a tick checks between
        batches, contracts and phases). A loop still busy after `within` seconds is left
        to end with the process (its threads are daemons; what it had not committed is
        done again at the next start, as after a crash)."""
        self._stop.set()
        deadline = time.monotonic() + within
        for thread in self._threads:
            thread.join(timeout=max(deadline - time.monotonic(), 0.0))
            if thread.is_alive():
                log.warning("%s still busy at shutdown; it ends with the process", thread.name)

    def _relay_loop(self) -> None:
        self._relay.run_forever(self._stop)

    def _scheduler_loop(self) -> None:
        while not self._stop.wait(self._intervals.tick):
            try:
                self.run_once()
            except Exception:  # one failed tick must not stop the hub; the next one retries
                log.exception("scheduler tick failed; retrying at the next tick")

    def run_once(self) -> None:
        """One turn of the loop: tick, invoice closed months, retry what is due, run the
        reconciliation job requested (requesting one when its interval is up) and purge
        what is due; a stopping process skips what is left of the turn."""
        stopping = self._stop.is_set
        self._scheduler.tick(stopping)
        if stopping():
            return
        self._invoice_closed_months()
        if stopping():
            return
        now = self._monotonic()
        self.retry_due(now)
        self._reconcile(now)
        self._housekeep(now)
        self._send_notifications(now)

    def _send_notifications(self, now: float) -> None:
        """Send the exception notifications due; each is sent once, so a failed or
        repeated turn only sends what is still missing."""
        if self._notify is not None and now - self._last_notified >= self._intervals.notify:
            self._last_notified = now
            self._notify()

    def retry_due(self, now: float) -> list[str]:
        """Nudge the waiting flows whose exception's retry is due; the others wait on.
        With criticality classes, each flow has its class's retry budget."""
        waiting = self._scheduler.waiting_flows()
        budgets = self._budgets(waiting)
        due = self._retries.due(waiting, now, budgets)
        nudged = self._scheduler.nudge([waiting[key] for key in due])
        spent_by_budget: dict[int | None, list[int]] = {}
        for key in self._retries.spent:
            budget = budgets.get(key, self._intervals.retry_budget)
            spent_by_budget.setdefault(budget, []).append(key)
        for budget, spent in spent_by_budget.items():
            self._scheduler.budget_spent(spent, budget)
        return nudged

    def _budgets(self, waiting: dict[int, str]) -> dict[int, int | None]:
        if self._criticality is None:
            return {}
        return {key: self._criticality.retry_budget(None, flow) for key, flow in waiting.items()}

    def _housekeep(self, now: float) -> None:
        """Run the purges that are due; each is idempotent, so a failed one just waits
        for its next turn."""
        if self._housekeeping is None:
            return
        jobs = {
            "expired": (self._intervals.purge_expired, self._housekeeping.purge_expired),
            "retained": (self._intervals.purge_retained, self._housekeeping.purge_retained),
            "anchored": (self._intervals.anchor_audit, self._housekeeping.anchor_audit),
        }
        for name, (interval, purge) in jobs.items():
            if now - self._last_purged[name] >= interval:
                self._last_purged[name] = now
                log.info("housekeeping %s: %s", name, purge())

    def _invoice_closed_months(self) -> None:
        for through in month_ends_due(self.last_billed, self._clock().date()):
            if self._stop.is_set():
                return
            run_invoices(through, None, f"month-end:{through.isoformat()}")
            self.last_billed = through

    def _reconcile(self, now: float) -> None:
        jobs = self._reconciliation
        if jobs is None:
            return
        if now - self._last_reconciled >= self._intervals.reconcile:
            jobs.request("scheduler")
            self._last_reconciled = now
        jobs.run_requested()
