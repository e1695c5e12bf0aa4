"""A firm's months played while the hub is killed at random moments, again and again,
leave every system exactly as an uninterrupted run of the same firm does.

The firm (`_chaos_firm`: many contracts, time, expenses, milestones, corrections before
and after invoicing, two month-end runs) is played by `_chaos_proc` lives on one home:
each life goes on from where the last one stopped and SIGKILLs itself at a random moment
(any database commit or use-case return, recovery included), until one plays to the end.
Then what the ERP, billing, PSA and CRM hold, read back over their own APIs, must equal
what one uninterrupted life leaves; per contract the hours, expenses and milestones on
live documents must be what was approved (nothing billed twice or lost), and every
issued document must have its `document.issued` audit row and CloudEvent.

Seeded and reproducible: ACCORD_CRASH_SEED (printed on every run) picks the firm and the
kill moments (moments are counted, so a seed draws the same ones again; flows run in
threads, so which commit a count lands on can shift a little); ACCORD_CRASHES (default
16: four inside the month-end runs, the rest spread over the timeline, recovery included)
how many kills, ACCORD_CRASH_CONTRACTS (default 6) the firm's size.
`make soak SOAK_CRASHES=300` runs a large one.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import time
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from accord.scenarios import format as sf
from tests.integration.flows._chaos_firm import chaos_firm
from tests.integration.flows._chaos_proc import life

SEED = int(os.environ.get("ACCORD_CRASH_SEED", "20261203"))
CRASHES = int(os.environ.get("ACCORD_CRASHES", "16"))
CONTRACTS = int(os.environ.get("ACCORD_CRASH_CONTRACTS", "6"))
LIFE_TIMEOUT_SECONDS = 600
ISSUE_KILLS = 2
"""Kills inside (or right after) each month-end run's issuing of documents."""
Kill = tuple[int, int, int, int]
"""`_chaos_proc.life`'s kill_at, kill_in_issue, kill_event, kill_after (zeros: none)."""
NEVER: Kill = (0, 0, -1, 0)
SPARE_KILLS = 2
"""Planned beyond CRASHES, in case a life plays to the end before its last kill."""
# a generous cap for a loaded machine; a soak run of many crashes gets longer
pytestmark = [pytest.mark.slow, pytest.mark.timeout(max(1800, 60 * CRASHES))]


def _life(home: Path, kill: Kill) -> int | None:
    """Fork one life (everything is imported here already, so a life starts at once);
    its exit code (-SIGKILL when it died)."""
    child = multiprocessing.get_context("fork").Process(
        target=life, args=(home, SEED, CONTRACTS, *kill)
    )
    child.start()
    child.join(LIFE_TIMEOUT_SECONDS)
    if child.is_alive():
        child.kill()
        child.join()
        raise AssertionError(f"a life did not end within {LIFE_TIMEOUT_SECONDS} s")
    return child.exitcode


def _outcome(home: Path, exit_code: int | None) -> dict[str, Any]:
    assert exit_code == 0, f"the life ended with {exit_code}; its log is above"
    return dict(json.loads((home / "outcome.json").read_text()))


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    home = tmp_path_factory.mktemp("uninterrupted")
    return _outcome(home, _life(home, NEVER))


@pytest.fixture(scope="module")
def crashed(
    tmp_path_factory: pytest.TempPathFactory, uninterrupted: dict[str, Any]
) -> Iterator[tuple[dict[str, Any], list[str]]]:
    """Lives killed at the planned moments (`_plan`), then one that plays to the end."""
    print(
        f"\nrandom crashes: ACCORD_CRASH_SEED={SEED} ACCORD_CRASHES={CRASHES} "
        f"ACCORD_CRASH_CONTRACTS={CONTRACTS}"
    )
    home = tmp_path_factory.mktemp("crashed")
    clock = time.monotonic()
    kills, exit_code = 0, None
    for kill in _plan(uninterrupted["moments"]):
        exit_code = _life(home, kill)
        if exit_code != -signal.SIGKILL:
            break  # it played to the end before its kill (a recovery can take less)
        kills += 1
    else:
        exit_code = _life(home, NEVER)
    outcome = _outcome(home, exit_code)
    where = (home / "kills.log").read_text().splitlines()
    print(
        f"{kills} kills in {time.monotonic() - clock:.0f} s; killed at: "
        f"{dict(Counter(line.split(' ', 1)[1] for line in where))}"
    )
    yield outcome["holdings"], where


def test_a_hub_killed_at_random_moments_holds_what_an_uninterrupted_run_holds(
    uninterrupted: dict[str, Any], crashed: tuple[dict[str, Any], list[str]]
) -> None:
    holdings, kills = crashed
    expected = uninterrupted["holdings"]
    per_period = Counter(
        (d["project"], d["type"], d["tran_date"][:7]) for d in holdings["erp_documents"]
    )
    twice = {key: n for key, n in per_period.items() if n > 1}
    assert not twice, f"contract, kind and period with more than one document: {twice}"
    for system in ("erp_documents", "billing_documents"):
        numbers = [d["number"] for d in holdings[system]]
        assert len(numbers) == len(set(numbers)), f"{system}: a number twice"
        assert _by_number(holdings[system]) == _by_number(expected[system]), system
    assert holdings == expected
    assert len(kills) >= CRASHES, f"only {len(kills)} kills: the firm was played too soon"
    assert any(" in issue" in kill for kill in kills), "no kill inside a month-end run"


def _plan(moments: dict[str, Any]) -> list[Kill]:
    """CRASHES kills spread over the firm's timeline in event order, whatever recovery
    costs: each is armed when its event begins and fires a random number of moments
    later, within half of what that event took in the uninterrupted life (a recovered
    life may have less of it left to do). A quarter fire while
    a life starts up or recovers instead, and each month-end run gets ISSUE_KILLS inside
    (or right after) its issuing of documents."""
    draws = random.Random(f"{SEED}:kills")
    events = chaos_firm(SEED, CONTRACTS).events
    starts = [*moments["events"], moments["all"]]
    runs = [i for i, event in enumerate(events) if isinstance(event, sf.InvoiceRun)]
    issuing = max(int(moments["issuing"]) // (2 * len(runs)), 1)
    planned: list[tuple[int, Kill]] = [
        (run, (0, draws.randint(1, issuing), -1, 0)) for run in runs for _ in range(ISSUE_KILLS)
    ]
    while len(planned) < CRASHES + SPARE_KILLS:
        event = draws.randrange(len(events))
        if draws.random() < 0.25:
            planned.append((event, (draws.randint(1, int(moments["started"])), 0, event, 10**9)))
        else:
            took = max(int(starts[event + 1]) - int(starts[event]), 1)
            planned.append((event, (0, 0, event, draws.randint(1, max(took // 2, 1)))))
    planned.sort(key=lambda item: item[0])
    return [kill for _, kill in planned]


def _played(home: Path) -> int:
    progress = home / "progress.json"
    return int(json.loads(progress.read_text())["played"]) if progress.exists() else 0


def _by_number(documents: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {d["number"]: d for d in documents}


def _approved(scenario: sf.Scenario) -> dict[str, tuple[Decimal, Counter[str]]]:
    """Per contract: the billable hours as last approved or corrected, and each expense
    and milestone it must be billed for once."""
    hours: dict[str, dict[str, Decimal]] = {}
    items: dict[str, Counter[str]] = {}
    owner: dict[str, str] = {}
    for event in scenario.events:
        match event:
            case sf.TimeApproved():
                owner[event.id] = event.contract
                hours.setdefault(event.contract, {})[event.id] = event.hours
            case sf.TimeCorrected() if event.hours is not None:
                hours[owner[event.id]][event.id] = event.hours
            case sf.ExpenseApproved():
                items.setdefault(event.contract, Counter())[event.id] += 1
            case sf.MilestoneEvent():
                items.setdefault(event.contract, Counter())[event.milestone] += 1
    names = {"M1": "Discovery", "M2": "Delivery"}
    return {
        contract: (
            sum(entries.values(), Decimal(0)),
            Counter({names.get(k, k): n for k, n in items.get(contract, Counter()).items()}),
        )
        for contract, entries in hours.items()
    }


def _billed(documents: list[dict[str, Any]]) -> dict[str, tuple[Decimal, Counter[str]]]:
    """Per contract, from the ERP's documents: net hours (a credit note's quantities are
    negative) and how often each expense and milestone appears on a document."""
    hours: dict[str, Decimal] = {}
    items: dict[str, Counter[str]] = {}
    for document in documents:
        contract = document["project"]
        for line in document["lines"]:
            if line["item"] in ("time", "correction"):
                hours[contract] = hours.get(contract, Decimal(0)) + Decimal(line["quantity"])
            elif line["item"] in ("expense", "milestone"):
                items.setdefault(contract, Counter())[line["description"]] += 1
    return {c: (h, items.get(c, Counter())) for c, h in hours.items()}


def test_every_approved_hour_expense_and_milestone_is_billed_once(
    uninterrupted: dict[str, Any], crashed: tuple[dict[str, Any], list[str]]
) -> None:
    approved = _approved(chaos_firm(SEED, CONTRACTS))
    for holdings in (uninterrupted["holdings"], crashed[0]):
        assert _billed(holdings["erp_documents"]) == approved


def test_every_issued_document_is_audited_and_announced_once(
    uninterrupted: dict[str, Any], crashed: tuple[dict[str, Any], list[str]]
) -> None:
    for holdings in (uninterrupted["holdings"], crashed[0]):
        issued = sorted(d["number"] for d in holdings["billing_documents"])
        assert sorted(holdings["issued_audited"]) == issued
        assert sorted(holdings["issued_announced"]) == issued
