"""The connector to the sandbox HR system (Workday-like), implementing `HrGateway`.

Employment is effective-dated: HR keeps a list of (entity, effective_from) records and a
transfer may be entered retroactively. The canonical `Resource` wants periods, so each
record ends the day before the next one starts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from itertools import zip_longest
from typing import Any
from urllib.parse import quote

from accord.canonical.v1 import CostRate, Employment, Resource
from accord.connectors.sandbox.common import (
    UpdatedSinceStream,
    all_items,
    check_reachable,
    client_from_config,
)
from accord.connectors.sdk import CheckResult, RejectedError, Stream, System

NAME = "sandbox-hr"


def resource_from_worker(item: Mapping[str, Any]) -> Resource:
    history = sorted(item.get("employment", []), key=lambda e: str(e["effective_from"]))
    employment = [
        Employment(
            entity=current["entity"],
            valid_from=dt.date.fromisoformat(current["effective_from"]),
            to=dt.date.fromisoformat(following["effective_from"]) - dt.timedelta(days=1)
            if following
            else None,
        )
        for current, following in zip_longest(history, history[1:])
    ]
    cost_rates = [
        CostRate(
            valid_from=dt.date.fromisoformat(rate["effective_from"]),
            rate=Decimal(rate["rate"]),
            currency=rate["currency"],
        )
        for rate in item.get("cost_rates", [])
    ]
    return Resource(
        id=item["external_id"] or item["id"],
        name=item["name"],
        role=item["role"],
        employment=employment,
        cost_rates=cost_rates,
        updated_at=dt.datetime.fromisoformat(item["updated_at"]),
        version=item["version"],
    )


class SandboxHrConnector:
    """Connector and `HrGateway` for the sandbox HR system."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self._client = client_from_config(config, NAME)

    @property
    def name(self) -> str:
        return NAME

    @property
    def system(self) -> System:
        return "hr"

    def check(self, config: Mapping[str, Any]) -> CheckResult:
        return check_reachable(config, NAME, "/workers")

    def streams(self) -> list[Stream]:
        return [UpdatedSinceStream("workers", self._client, "/workers", resource_from_worker)]

    def ports(self) -> dict[str, object]:
        return {"HrGateway": self}

    def list_workers(self) -> Sequence[Resource]:
        return [resource_from_worker(item) for item in all_items(self._client, "/workers")]

    def get_worker(self, resource_id: str) -> Resource | None:
        try:
            item = self._client.get(f"/workers/eid:{quote(resource_id, safe='')}").json()
        except RejectedError as error:
            if error.status == 404:
                return None
            raise
        return resource_from_worker(item)


def connector_factory(config: Mapping[str, Any]) -> SandboxHrConnector:
    """Entry point `sandbox-hr`: a connector to the sandbox HR system at `config["base_url"]`."""
    return SandboxHrConnector(config)
