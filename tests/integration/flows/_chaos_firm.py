"""A seeded firm for the random-crash test: many contracts, corrections, month-end runs.

`chaos_firm(seed, contracts)` builds a scenario (the scenario file format, version 1):
two entities, a customer and a T&M contract per contract slot (every third one with a
fixed fee in two milestones as well), approved time and expenses through January and
February, corrections of January entries both before and after they were invoiced, and
a month-end invoice run for each month. The same seed gives the same firm and timeline.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from accord.scenarios.format import Scenario, parse_scenario

_ENTITIES = (("DE01", "DE", "EUR", "19"), ("UK01", "GB", "GBP", "20"))
_ROLES = ("consultant", "senior-consultant")
_MONTHS = ((dt.date(2026, 1, 5), dt.date(2026, 1, 30)), (dt.date(2026, 2, 2), dt.date(2026, 2, 27)))


def _working_day(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    while True:
        day = first + dt.timedelta(days=rng.randint(0, (last - first).days))
        if day.weekday() < 5:
            return day


def _master_data(contracts: int) -> dict[str, Any]:
    firm = {
        "entities": [
            {"id": e, "name": f"Firm {e}", "country": c, "currency": cur}
            for e, c, cur, _ in _ENTITIES
        ],
        "fx": [],
        "tax": [
            {"entity": e, "customer_country": c, "category": "S", "rate": rate}
            for e, c, _, rate in _ENTITIES
        ],
    }
    resources = [
        {
            "id": f"R{entity}{n}",
            "name": f"Consultant {entity} {n}",
            "role": _ROLES[n % 2],
            "employment": [{"entity": entity, "from": "2025-01-01"}],
            "cost_rates": [{"from": "2025-01-01", "rate": "70", "currency": currency}],
        }
        for entity, _, currency, _ in _ENTITIES
        for n in range(3)
    ]
    customers, deals = [], []
    for index in range(1, contracts + 1):
        entity, country, currency, _ = _ENTITIES[index % 2]
        customers.append({"id": f"C{index}", "name": f"Customer {index}", "country": country})
        terms: list[dict[str, Any]] = [
            {
                "id": "TM",
                "type": "time_and_materials",
                "rates": [
                    {
                        "role": "consultant",
                        "rate": str(100 + 10 * (index % 5)),
                        "from": "2026-01-01",
                    },
                    {"role": "senior-consultant", "rate": "180", "from": "2026-01-01"},
                ],
            }
        ]
        if index % 3 == 0:
            milestones = [
                {"id": "M1", "name": "Discovery", "percent": "40"},
                {"id": "M2", "name": "Delivery", "percent": "60"},
            ]
            terms.append(
                {"id": "FF", "type": "fixed_fee", "fee": "20000", "milestones": milestones}
            )
        deals.append(
            {
                "id": f"K{index}",
                "customer": f"C{index}",
                "entity": entity,
                "currency": currency,
                "start": "2026-01-01",
                "end": "2026-12-31",
                "terms": terms,
            }
        )
    return {"firm": firm, "customers": customers, "resources": resources, "contracts": deals}


def _month_events(
    rng: random.Random, contracts: list[dict[str, Any]], month: int
) -> list[dict[str, Any]]:
    first, last = _MONTHS[month]
    events: list[dict[str, Any]] = []
    for contract in contracts:
        people = [f"R{contract['entity']}{n}" for n in range(3)]
        for n in range(rng.randint(2, 4)):
            day = _working_day(rng, first, last - dt.timedelta(days=2))
            entry = {
                "type": "time.approved",
                "id": f"T-{contract['id']}-{month}-{n}",
                "contract": contract["id"],
                "term": "TM",
                "resource": rng.choice(people),
                "date": day.isoformat(),
                "hours": str(rng.choice([4, 6, 7.5, 8])),
                "at": (day + dt.timedelta(days=rng.randint(1, 2))).isoformat(),
            }
            events.append(entry)
        if rng.random() < 0.5:
            day = _working_day(rng, first, last - dt.timedelta(days=2))
            events.append(
                {
                    "type": "expense.approved",
                    "id": f"E-{contract['id']}-{month}",
                    "contract": contract["id"],
                    "resource": rng.choice(people),
                    "date": day.isoformat(),
                    "amount": f"{rng.randint(20, 400)}.{rng.randint(0, 99):02d}",
                    "currency": contract["currency"],
                    "at": (day + dt.timedelta(days=1)).isoformat(),
                }
            )
        if any(t["id"] == "FF" for t in contract["terms"]):
            day = _working_day(rng, first, last)
            milestone = f"M{month + 1}"
            events.append(
                {
                    "type": "milestone.accepted",
                    "contract": contract["id"],
                    "term": "FF",
                    "milestone": milestone,
                    "at": day.isoformat(),
                }
            )
    return events


def _corrections(rng: random.Random, january: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Some January entries corrected before the January run, some after it (a credit
    note or a supplementary invoice in February)."""
    entries = [e for e in january if e["type"] == "time.approved"]
    corrected = rng.sample(entries, k=max(1, len(entries) // 5))
    events = []
    for entry in corrected:
        after_run = rng.random() < 0.7
        when = dt.date(2026, 2, rng.randint(3, 20)) if after_run else dt.date(2026, 1, 30)
        if when.weekday() >= 5:
            when -= dt.timedelta(days=2)
        hours = str(rng.choice([2, 3, 5, 9, 10]))
        events.append({"type": "time.corrected", "id": entry["id"], "hours": hours, "at": when})
    for event in events:
        event["at"] = max(event["at"], dt.date.fromisoformat(_approved_on(entries, event["id"])))
        event["at"] = event["at"].isoformat()
    return events


def _approved_on(entries: list[dict[str, Any]], entry: str) -> str:
    return str(next(e["at"] for e in entries if e["id"] == entry))


def chaos_firm(seed: int, contracts: int) -> Scenario:
    """The firm and its January and February, the same for the same seed."""
    rng = random.Random(seed)
    raw: dict[str, Any] = {"version": 1, "name": f"chaos-{seed}-{contracts}"}
    raw |= _master_data(contracts)
    signing = [
        {"type": "contract.signed", "contract": c["id"], "at": "2026-01-02"}
        for c in raw["contracts"]
    ]
    january = _month_events(rng, raw["contracts"], 0)
    february = _month_events(rng, raw["contracts"], 1)
    runs = [
        {"type": "invoice.run", "through": "2026-01-31", "at": "2026-01-31"},
        {"type": "invoice.run", "through": "2026-02-28", "at": "2026-02-28"},
    ]
    timeline = signing + january + february + _corrections(rng, january) + runs
    # stable: on one day, signings first and the month-end run last
    order = {"contract.signed": 0, "invoice.run": 2}
    timeline.sort(key=lambda e: (str(e["at"]), order.get(e["type"], 1)))
    raw["events"] = timeline
    return parse_scenario(raw, raw["name"])
