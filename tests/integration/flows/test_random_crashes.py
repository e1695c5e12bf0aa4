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
kill moments; ACCORD_CRASHES (default 30) how many kills at least, ACCORD_CRASH_CONTRACTS
(default 6) the firm's size. `make soak SOAK_CRASHES=300` runs a large one.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from accord.scenarios import format as sf
from tests.integration.flows._chaos_firm import chaos_firm

ROOT = Path(__file__).parents[3]
SEED = int(os.environ.get("ACCORD_CRASH_SEED", "20261203"))
CRASHES = int(os.environ.get("ACCORD_CRASHES", "30"))
CONTRACTS = int(os.environ.get("ACCORD_CRASH_CONTRACTS", "6"))
LIFE_TIMEOUT_SECONDS = 600


def _life(home: Path, kill_at: int, kill_in_issue: int = 0) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ACCORD_KILL_AT": str(kill_at), "ACCORD_KILL_IN_ISSUE": str(kill_in_issue)}
    env.pop("ACCORD_DATABASE_URL", None)
    env.pop("ACCORD_NATS_URL", None)
    command = [sys.executable, "-m", "tests.integration.flows._chaos_proc"]
    return subprocess.run(
        [*command, str(home), str(SEED), str(CONTRACTS)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=LIFE_TIMEOUT_SECONDS,
        check=False,
    )


def _outcome(life: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert life.returncode == 0, life.stderr[-4000:]
    return dict(json.loads(life.stdout.strip().splitlines()[-1]))


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _outcome(_life(tmp_path_factory.mktemp("uninterrupted"), 0))


@pytest.fixture(scope="module")
def crashed(
    tmp_path_factory: pytest.TempPathFactory, uninterrupted: dict[str, Any]
) -> Iterator[tuple[dict[str, Any], list[str]]]:
    """Lives killed at random moments until one plays to the end, after CRASHES kills.
    While a month-end run is ahead, every third life is killed at a random moment inside
    issuing documents instead (or right after it): the month-end run is where a crash
    costs most."""
    print(
        f"\nrandom crashes: ACCORD_CRASH_SEED={SEED} ACCORD_CRASHES={CRASHES} "
        f"ACCORD_CRASH_CONTRACTS={CONTRACTS}"
    )
    home = tmp_path_factory.mktemp("crashed")
    draws = random.Random(f"{SEED}:kills")
    # spread the kills over the whole run: a life lives `span` moments on average
    span = max(2 * int(uninterrupted["moments"]["all"]) // CRASHES, 20)
    issuing = max(int(uninterrupted["moments"]["issuing"]) // 2, 1)
    started = time.monotonic()
    kills = 0
    while True:
        kill_at = draws.randint(1, span) if kills < CRASHES else 0
        kill_in_issue = 0
        if kill_at and kills % 3 == 0 and _month_end_ahead(home):
            kill_at, kill_in_issue = 0, draws.randint(1, issuing)
        life = _life(home, kill_at, kill_in_issue)
        if life.returncode == -signal.SIGKILL:
            kills += 1
            continue
        outcome = _outcome(life)
        break
    where = (home / "kills.log").read_text().splitlines()
    print(
        f"{kills} kills in {time.monotonic() - started:.0f} s; killed at: "
        f"{dict(Counter(line.split()[1] for line in where))}"
    )
    yield outcome["holdings"], where


def test_a_hub_killed_at_random_moments_holds_what_an_uninterrupted_run_holds(
    uninterrupted: dict[str, Any], crashed: tuple[dict[str, Any], list[str]]
) -> None:
    holdings, kills = crashed
    assert len(kills) >= CRASHES
    expected = uninterrupted["holdings"]
    for system in ("erp_documents", "billing_documents"):
        numbers = [d["number"] for d in holdings[system]]
        assert len(numbers) == len(set(numbers)), f"{system}: a number twice"
        assert _by_number(holdings[system]) == _by_number(expected[system]), system
    assert holdings == expected


def _month_end_ahead(home: Path) -> bool:
    progress = home / "progress.json"
    played = int(json.loads(progress.read_text())["played"]) if progress.exists() else 0
    events = chaos_firm(SEED, CONTRACTS).events[played:]
    return any(isinstance(event, sf.InvoiceRun) for event in events)


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
