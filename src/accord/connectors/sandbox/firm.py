"""A seeded, realistic professional-services firm to populate the sandbox systems.

3 legal entities (DE01 EUR, US01 USD, UK01 GBP), 150 consultants, 40 customers and 60
contracts mixing time & materials (rate cards, some with a not-to-exceed cap), fixed fees
with milestones and retainers. The same seed always gives the same firm.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

ENTITIES = [
    {"id": "DE01", "name": "Beispiel Beratung GmbH", "country": "DE", "currency": "EUR"},
    {"id": "US01", "name": "Example Consulting Inc", "country": "US", "currency": "USD"},
    {"id": "UK01", "name": "Example Advisory Ltd", "country": "GB", "currency": "GBP"},
]
ROLES = {"analyst": 90, "consultant": 130, "senior-consultant": 170, "manager": 210, "partner": 300}
COUNTRIES = ["DE", "US", "GB", "FR", "AT", "NL", "CH"]
NAMES = [
    "Nordwind",
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Hooli",
    "Vandelay",
    "Wonka",
    "Gringotts",
    "Oscorp",
    "Aperture",
]
SUFFIX = {"DE": "AG", "AT": "GmbH", "CH": "AG", "US": "Inc", "GB": "Ltd", "FR": "SA", "NL": "BV"}


@dataclass
class GeneratedFirm:
    """A firm's master data made up from a seed, in the shapes the sandbox APIs accept
    (not the hub's finance configuration, `accord.domain.contracts.model.Firm`)."""

    workers: list[dict[str, Any]] = field(default_factory=list)
    customers: list[dict[str, Any]] = field(default_factory=list)
    contracts: list[dict[str, Any]] = field(default_factory=list)
    staffing: dict[str, list[str]] = field(default_factory=dict)  # contract id -> worker ids


def generate_firm(
    seed: int = 42, consultants: int = 150, customers: int = 40, contracts: int = 60
) -> GeneratedFirm:
    """The firm of the module docs; the same arguments always give the same firm."""
    rng = random.Random(seed)
    firm = GeneratedFirm()
    for n in range(1, consultants + 1):
        entity = ENTITIES[n % 3]
        role = rng.choice(list(ROLES))
        firm.workers.append(
            {
                "id": f"R{n:03d}",
                "name": f"Consultant {n:03d}",
                "role": role,
                "employment": [{"entity": entity["id"], "effective_from": "2024-01-01"}],
                "cost_rates": [
                    {
                        "rate": str(ROLES[role] // 2),
                        "currency": entity["currency"],
                        "effective_from": "2024-01-01",
                    }
                ],
            }
        )
    for n in range(1, customers + 1):
        country = rng.choice(COUNTRIES)
        name = f"{NAMES[n % len(NAMES)]} {SUFFIX[country]} {n:02d}"
        firm.customers.append({"id": f"C{n:02d}", "name": name, "country": country})
    for n in range(1, contracts + 1):
        firm.contracts.append(_contract(rng, n, firm.customers[(n - 1) % customers]))
        team = rng.sample(firm.workers, rng.randint(3, 6))
        firm.staffing[f"K{n:03d}"] = [w["id"] for w in team]
    return firm


def _contract(rng: random.Random, n: int, customer: dict[str, Any]) -> dict[str, Any]:
    entity = ENTITIES[n % 3]
    rates = [
        {"role": role, "rate": str(rate), "from": "2026-01-01"} for role, rate in ROLES.items()
    ]
    tm: dict[str, Any] = {"id": "TM", "type": "time_and_materials", "rates": rates}
    kind = n % 4
    if kind == 1:
        tm["cap"] = str(rng.choice([50_000, 90_000, 150_000]))
    terms: list[dict[str, Any]] = [tm]
    if kind == 2:
        fee = rng.choice([60_000, 120_000, 240_000])
        terms = [
            {
                "id": "FF",
                "type": "fixed_fee",
                "fee": str(fee),
                "milestones": [
                    {"id": "M1", "name": "Discovery", "percent": "30"},
                    {"id": "M2", "name": "Build", "percent": "40"},
                    {"id": "M3", "name": "Handover", "percent": "30"},
                ],
            }
        ]
    if kind == 3:
        terms.append(
            {"id": "RET", "type": "retainer", "prepaid": str(rng.choice([10_000, 20_000]))}
        )
    return {
        "id": f"K{n:03d}",
        "customer": customer["id"],
        "entity": entity["id"],
        "currency": entity["currency"],
        "start": "2026-01-01",
        "end": "2026-12-31",
        "terms": terms,
    }
