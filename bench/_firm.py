"""A generated firm for the billing benches: master data and approved time entries.

Everything goes in through the hub's own path (CloudEvents ingested, the worker applying
them, billing catching up), in large batches, so the benches measure whatever billing
store the hub is built with, today's or tomorrow's, without knowing which it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from accord.application.billing import FinanceSettings
from accord.application.inbound_sync import event_for
from accord.bootstrap import Hub, build_hub
from accord.canonical import v1
from accord.canonical.base import CanonicalModel
from accord.domain.contracts.model import TaxCategory, TaxRule
from accord.settings import Settings

SOURCE = "/psa/time_entries"
ROLES = {"analyst": 90, "consultant": 130, "senior-consultant": 170, "manager": 210, "partner": 300}
START = date(2024, 1, 1)
BATCH = 10_000
"""Events per ingest batch and per worker batch while seeding."""


def open_hub(url: str, home: Path) -> Hub:
    """The hub on `url`, batching as a bulk load does (its billing service as built)."""
    hub = build_hub(Settings(home=home, database_url=url), worker_batch_size=BATCH)
    hub.ingest.batch_size = BATCH
    return hub


def contract_id(n: int) -> str:
    return f"K{n:05d}"


def _contract(n: int) -> v1.Contract:
    rates = [v1.RoleRate(role=r, rate=Decimal(p), valid_from=START) for r, p in ROLES.items()]
    term = v1.TimeAndMaterialsTerm(type="time_and_materials", id="TM", rates=rates)
    return v1.Contract(
        id=contract_id(n),
        customer=f"C{n % 50:02d}",
        entity="DE01",
        currency="EUR",
        start=START,
        terms=[term],
        status=v1.ContractStatus.ACTIVE,
        signed_on=START,
    )


def master_data(contracts: int, people: int) -> list[CanonicalModel]:
    """One entity, 50 customers, `people` consultants in five roles, T&M contracts."""
    roles = list(ROLES)
    return [
        v1.LegalEntity(id="DE01", name="Beispiel Beratung GmbH", country="DE", currency="EUR"),
        *(v1.Customer(id=f"C{n:02d}", name=f"Kunde {n:02d} AG", country="DE") for n in range(50)),
        *(
            v1.Resource(
                id=f"R{n:04d}",
                name=f"Consultant {n:04d}",
                role=roles[n % len(roles)],
                employment=[v1.Employment(entity="DE01", valid_from=START)],
            )
            for n in range(people)
        ),
        *map(_contract, range(contracts)),
    ]


def time_entry(prefix: str, n: int, contract: str, people: int, day: date) -> v1.TimeEntry:
    return v1.TimeEntry(
        id=f"{prefix}{n:08d}",
        contract=contract,
        term="TM",
        resource=f"R{n % people:04d}",
        date=day,
        hours=Decimal(1 + n % 8),
        source_system="psa",
    )


def entries(
    count: int, contracts: int, people: int, first: date, days: int, prefix: str = "H"
) -> Iterator[v1.TimeEntry]:
    """`count` approved entries spread over the contracts and `days` days from `first`."""
    for n in range(count):
        day = first + timedelta(days=n % days)
        yield time_entry(prefix, n, contract_id(n % contracts), people, day)


def load(hub: Hub, records: Iterator[CanonicalModel] | list[CanonicalModel]) -> int:
    """Ingest the records as the PSA's CloudEvents and apply them, BATCH at a time."""
    applied = 0
    chunk: list[str] = []
    for record in records:
        chunk.append(event_for(record, SOURCE))
        if len(chunk) == BATCH:
            applied += _ingest_and_apply(hub, chunk)
            chunk = []
    return applied + (_ingest_and_apply(hub, chunk) if chunk else 0)


def _ingest_and_apply(hub: Hub, lines: list[str]) -> int:
    accepted = hub.ingest.ingest_lines(lines).accepted
    applied = hub.worker.run_once()
    if accepted != len(lines) or applied != len(lines):
        raise RuntimeError(f"seeding lost events: {accepted} logged, {applied} applied")
    return applied


def configure_tax(hub: Hub) -> None:
    hub.billing.configure_firm(
        FinanceSettings(tax=(TaxRule("DE01", "DE", TaxCategory.STANDARD, Decimal(19)),))
    )
