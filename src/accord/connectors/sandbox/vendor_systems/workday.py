"""The sandbox firm's people in Workday.

Workday offers no public write API for workers, so the firm's workers and their
transfers are seeded through the simulator's own seeding path
(`/_sandbox/workers/{Employee_ID}`, simulator only, see `simulators/workday/app.py`),
in the worker shape Workday's `GET /workers` answers and the shipped mapping reads
(`connectors/workday/mappings/worker-resource.yaml`): `jobProfile` is the role,
`jobHistory` the employing companies (legal entities) by effective date, `costRates`
the cost rates. A transfer ends the worker's current job the day before and opens one
at the new company.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import httpx

SEED = "/_sandbox/workers"


def worker_fields(worker: Mapping[str, Any]) -> dict[str, Any]:
    """A generated worker as Workday holds it."""
    return {
        "descriptor": worker["name"],
        "jobProfile": {"id": worker["role"], "descriptor": worker["role"].title()},
        "jobHistory": [
            {"company": {"id": e["entity"]}, "effectiveDate": e["effective_from"], "endDate": None}
            for e in worker["employment"]
        ],
        "costRates": [
            {
                "effectiveDate": c["effective_from"],
                "amount": c["rate"],
                "currency": {"id": c["currency"]},
            }
            for c in worker["cost_rates"]
        ],
    }


def transferred(history: list[dict[str, Any]], entity: str, day: date) -> list[dict[str, Any]]:
    """The job history with a move to `entity` from `day` on: the jobs still open before
    `day` end the day before."""
    before = (day - timedelta(days=1)).isoformat()
    kept = []
    for job in history:
        still_open = job.get("endDate") is None and job["effectiveDate"] < day.isoformat()
        kept.append(job | {"endDate": before} if still_open else job)
    return [*kept, {"company": {"id": entity}, "effectiveDate": day.isoformat(), "endDate": None}]


class WorkdayTenant:
    """The tenant at `base_url`, seeded through the simulator's seeding path."""

    def __init__(self, base_url: str, timeout: float) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=timeout)

    def _worker(self, worker_id: str) -> dict[str, Any] | None:
        response = self.http.get(f"{SEED}/{worker_id}")
        if response.status_code == 404:
            return None
        response.raise_for_status()
        found: dict[str, Any] = response.json()
        return found

    def hire(self, worker: Mapping[str, Any]) -> None:
        """Seed the worker unless the tenant holds it (its transfers since are kept)."""
        if self._worker(worker["id"]) is None:
            self.http.put(f"{SEED}/{worker['id']}", json=worker_fields(worker)).raise_for_status()

    def transfer(self, worker_id: str, entity: str, day: date) -> None:
        current = self._worker(worker_id)
        if current is None:
            return  # not loaded yet: nobody to transfer
        history = transferred(list(current.get("jobHistory") or []), entity, day)
        self.http.put(f"{SEED}/{worker_id}", json={"jobHistory": history}).raise_for_status()
