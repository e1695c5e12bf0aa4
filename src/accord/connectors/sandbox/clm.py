"""The connector to the sandbox CLM, implementing `ClmGateway`.

The CLM keeps the contract as signed plus a list of amendments; the canonical `Contract`
carries the terms as they stand, so amendments are applied when mapping: new rate
versions are appended (each keeps its `from`) and a new cap replaces the old one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from accord.canonical.v1 import Contract
from accord.connectors.sandbox.common import (
    UpdatedSinceStream,
    all_items,
    check_reachable,
    client_from_config,
)
from accord.connectors.sdk import CheckResult, RejectedError, Stream, System

NAME = "sandbox-clm"
SIGNED = {"filter": "status:signed"}


def contract_from_clm(item: Mapping[str, Any]) -> Contract:
    terms = {term["id"]: dict(term) for term in item.get("terms", [])}
    for amendment in item.get("amendments", []):
        term = terms[amendment["term"]]
        changes = amendment["changes"]
        for field in ("rates", "person_rates"):
            term[field] = [*term.get(field, []), *changes.get(field, [])]
        if "cap" in changes:
            term["cap"] = changes["cap"]
    optional = {k: item[k] for k in ("expense_policy", "intercompany_markup_percent") if k in item}
    return Contract.model_validate(
        {
            "id": item["external_id"] or item["id"],
            "customer": item["customer"],
            "entity": item["entity"],
            "currency": item["currency"],
            "start": item["start"],
            "end": item.get("end"),
            "terms": list(terms.values()),
            "status": item["status"],
            "signed_on": item.get("signed_on"),
            "updated_at": item["updated_at"],
            "version": item["version"],
            **optional,
        }
    )


class SandboxClmConnector:
    """Connector and `ClmGateway` for the sandbox CLM."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self._client = client_from_config(config, NAME)

    @property
    def name(self) -> str:
        return NAME

    @property
    def system(self) -> System:
        return "clm"

    def check(self, config: Mapping[str, Any]) -> CheckResult:
        return check_reachable(config, NAME, "/contracts")

    def streams(self) -> list[Stream]:
        return [
            UpdatedSinceStream("contracts", self._client, "/contracts", contract_from_clm, SIGNED)
        ]

    def ports(self) -> dict[str, object]:
        return {"ClmGateway": self}

    def signed_contracts(self, since: dt.date | None) -> Sequence[Contract]:
        params = SIGNED | ({"updated_since": since.isoformat()} if since else {})
        return [contract_from_clm(item) for item in all_items(self._client, "/contracts", params)]

    def get_contract(self, contract_id: str) -> Contract | None:
        try:
            item = self._client.get(f"/contracts/eid:{quote(contract_id, safe='')}").json()
        except RejectedError as error:
            if error.status == 404:
                return None
            raise
        return contract_from_clm(item)


def connector_factory(config: Mapping[str, Any]) -> SandboxClmConnector:
    """Entry point `sandbox-clm`: a connector to the sandbox CLM at `config["base_url"]`."""
    return SandboxClmConnector(config)
