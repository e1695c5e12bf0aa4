"""One life of the hub in the random-crash test: play the seeded firm on from where the
last life stopped, and die like a power cut at the chosen moment.

`life(WORKDIR, SEED, CONTRACTS, KILL_AT, KILL_IN_ISSUE)` (or `python -m
tests.integration.flows._chaos_proc WORKDIR SEED CONTRACTS` with ACCORD_KILL_AT and
ACCORD_KILL_IN_ISSUE) plays the `_chaos_firm` scenario on a hub and sandbox whose state
lives in WORKDIR (the store, DBOS and the six sandbox systems on SQLite). Every event
played and settled is noted in WORKDIR/progress.json, so the next life goes on from the
first event not settled (it plays that one again: every event is an upsert in a sandbox
system, and an invoice run has a fixed workflow id).

The process SIGKILLs itself at its KILL_AT-th moment: a moment is any database commit
(the hub's store, DBOS's system database) or the return of any flow step
the flows or the scheduler call, counted from the process's start, recovery included
(0: never); or, given an event index, a number of moments after that event began. With
KILL_IN_ISSUE=K it dies at the K-th moment inside an invoice run's issuing of documents,
or at the first moment after an issuing call returned, whichever comes first. A life that
plays to the end writes to WORKDIR/outcome.json what the systems hold and the moments it
counted (all, those in issuing, those before its first event, and the count as each event
began).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from accord.bootstrap import configure_firm
from accord.flows.registry import FlowRegistry
from tests.integration.flows._chaos_firm import chaos_firm
from tests.integration.flows._flow_proc import DurableRunner, _items
from tests.integration.flows._registries import wrapping

ISSUING = ("issue",)
_lock = threading.Lock()
_issuing = threading.local()
_moments: dict[str, Any] = {"all": 0, "issuing": 0, "started": 0, "events": []}
_issued = threading.Event()


_kill = {"at": 0, "in_issue": 0}
"""The moment to die at (0: none), and the moment inside issuing (0: none)."""


def _moment(where: str, log: Path) -> None:
    inside = getattr(_issuing, "name", "")
    with _lock:
        _moments["all"] += 1
        _moments["issuing"] += 1 if inside else 0
        in_issue = inside and _moments["issuing"] == _kill["in_issue"]
        after_issue = _kill["in_issue"] and not inside and _issued.is_set()
        if _moments["all"] == _kill["at"] or in_issue or after_issue:
            with log.open("a") as out:
                out.write(f"{_moments['all']} {where}{' in ' + inside if inside else ''}\n")
            os.kill(os.getpid(), signal.SIGKILL)


def _count_commits(log: Path) -> None:
    """Count every database commit as a moment; die at the one `_kill` names."""

    def commit(_: object) -> None:
        _moment("commit", log)

    sa.event.listen(sa.engine.Engine, "commit", commit)


class CountedUseCases:
    """One flow's steps as the flows and the scheduler call them, each return a
    moment; a call to `issue` is a moment inside issuing until it returns."""

    def __init__(self, use_cases: object, log: Path) -> None:
        self._use_cases = use_cases
        self._log = log

    def __getattr__(self, name: str) -> Any:
        member = getattr(self._use_cases, name)
        if name.startswith("_") or not callable(member):
            return member
        call: Callable[..., Any] = member

        def counted(*args: Any, **kwargs: Any) -> Any:
            if name in ISSUING:
                _issuing.name = name
            try:
                result = call(*args, **kwargs)
            finally:
                if name in ISSUING:
                    _issuing.name = ""
                    _issued.set()
            _moment(name, self._log)
            return result

        return counted


def _counted(registry: FlowRegistry, log: Path) -> FlowRegistry:
    return wrapping(registry, lambda steps: CountedUseCases(steps, log))


def _holdings(base_url: str, home: Path) -> dict[str, Any]:
    """The documents each system holds, read back over its own API (ERP and billing:
    every field but the sandbox's record keeping), and the hub's audit of issuing."""
    volatile = {"id", "created_at", "updated_at", "version", "invoice_id"}
    with httpx.Client(base_url=base_url, timeout=30) as http:

        def documents(path: str) -> list[dict[str, Any]]:
            items = [{k: v for k, v in i.items() if k not in volatile} for i in _items(http, path)]
            return sorted(items, key=lambda i: json.dumps(i, sort_keys=True))

        invoices = _items(http, "/crm/sobjects/Invoice__c")
        holdings = {
            "erp_documents": documents("/erp/documents"),
            "billing_documents": documents("/billing/documents"),
            "psa_invoiced_entries": http.get("/psa/invoiced_entries/count").json()["count"],
            "crm_invoices": sorted((r["ExtId__c"], r["Status__c"]) for r in invoices),
        }
    with sqlite3.connect(home / "accord.sqlite") as db:
        audited = db.execute(
            "select subject from audit_log where action = 'document.issued' order by seq"
        )
        announced = db.execute(
            "select subject from outbox where type = 'accord.document.issued.v1' order by seq"
        )
        holdings["issued_audited"] = [row[0] for row in audited]
        holdings["issued_announced"] = [row[0] for row in announced.fetchall()]
    return holdings


def _played(progress: Path) -> int:
    return int(json.loads(progress.read_text())["played"]) if progress.exists() else 0


def life(
    workdir: Path,
    seed: int,
    contracts: int,
    kill_at: int = 0,
    kill_in_issue: int = 0,
    kill_event: int = -1,
    kill_after: int = 0,
) -> None:
    """One life (see the module docstring); a finished one writes WORKDIR/outcome.json.
    With `kill_event`, it dies `kill_after` moments after that event began.
    The test forks it from a process that has imported everything already, which saves
    each life the seconds the imports take."""
    _kill.update(at=kill_at, in_issue=kill_in_issue)
    log = workdir / "kills.log"
    _count_commits(log)
    scenario = chaos_firm(seed, contracts)
    progress = workdir / "progress.json"
    played = _played(progress)
    start = scenario.events[max(played - 1, 0)].at
    runner = DurableRunner(scenario, workdir, start, use_cases=lambda r: _counted(r, log))
    with runner.started() as run:
        if played == 0:
            configure_firm(run.hub, run.services.billing, scenario.firm)
            run.world.seed(scenario)
        run.world.recall_time_entries()
        runner.settle(run)
        _moments["started"] = _moments["all"]
        if 0 <= kill_event < played:  # the life starts past its event: die soon
            _kill["at"] = _moments["all"] + kill_after
        for index in range(played, len(scenario.events)):
            event = scenario.events[index]
            _moments["events"].append(_moments["all"])
            if index == kill_event:
                _kill["at"] = _moments["all"] + kill_after
            runner.advance(run, event.at)
            runner.apply(run, index, event)
            runner.settle(run)
            progress.write_text(json.dumps({"played": index + 1}))
        runner.finish(run)
        holdings = _holdings(run.landscape.url, workdir)
        outcome = json.dumps({"moments": _moments, "holdings": holdings})
        (workdir / "outcome.json").write_text(outcome)
        os._exit(0)  # what the systems hold is written; an orderly shutdown adds nothing


if __name__ == "__main__":
    kills = (int(os.environ.get(f"ACCORD_KILL_{n}", "0")) for n in ("AT", "IN_ISSUE"))
    life(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), *kills)
