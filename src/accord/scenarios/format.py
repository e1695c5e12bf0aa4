"""The scenario file format, version 1 (../shared/specs/scenario-format.md), validated.

A scenario is a public contract: input that does not follow it is rejected before anything
runs, naming the offending field and the reason. Amounts, rates and hours are decimal
strings; master data reuses the canonical v1 models so the same rules apply everywhere.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from accord.canonical.base import CurrencyCode, DecimalStr, NonNegativeDecimalStr
from accord.canonical.v1 import Contract, Customer, PersonRate, Resource, RoleRate
from accord.domain.exceptions import ExceptionKind
from accord.firm_config import FirmConfig


def _whole_minutes(hours: Decimal) -> Decimal:
    if (hours * 60) % 1:
        raise ValueError(
            f"{hours} h is not a whole number of minutes, which is what the PSA records: "
            "give hours in steps of 1/60 (for example 7.35 or 0.25)"
        )
    return hours


Hours = Annotated[NonNegativeDecimalStr, AfterValidator(_whole_minutes)]
"""Hours of a time entry: a whole number of minutes, so they are billed exactly."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class _Event(_Strict):
    at: dt.date


class ContractSigned(_Event):
    type: Literal["contract.signed"]
    contract: str


class ContractAmended(_Event):
    type: Literal["contract.amended"]
    contract: str
    term: str
    rates: list[RoleRate] | None = None
    person_rates: list[PersonRate] | None = None
    cap: NonNegativeDecimalStr | None = None


class TimeApproved(_Event):
    type: Literal["time.approved"]
    id: str
    contract: str
    term: str
    resource: str
    date: dt.date
    hours: Hours
    billable: bool = True


class TimeCorrected(_Event):
    type: Literal["time.corrected"]
    id: str
    hours: Hours | None = None
    billable: bool | None = None
    date: dt.date | None = None


class ExpenseApproved(_Event):
    type: Literal["expense.approved"]
    id: str
    contract: str
    resource: str
    date: dt.date
    amount: DecimalStr
    currency: CurrencyCode
    billable: bool = True


class MilestoneEvent(_Event):
    type: Literal["milestone.accepted", "milestone.hold", "milestone.release"]
    contract: str
    term: str
    milestone: str


class ResourceTransferred(_Event):
    type: Literal["resource.transferred"]
    resource: str
    entity: str
    from_: dt.date = Field(alias="from")


class InvoiceRun(_Event):
    type: Literal["invoice.run"]
    through: dt.date
    contract: str | None = None


class PaymentReceived(_Event):
    type: Literal["payment.received"]
    invoice: str
    amount: DecimalStr
    currency: CurrencyCode


class PeriodClosed(_Event):
    type: Literal["period.closed"]
    entity: str
    period: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")


class ExceptionResolved(_Event):
    type: Literal["exception.resolved"]
    kind: ExceptionKind
    subject: str
    action: Literal["approve", "reject", "retry"]


class SystemFault(_Event):
    type: Literal["system.fault"]
    system: Literal["crm", "clm", "psa", "hr", "billing", "erp"]
    kind: Literal["unavailable", "throttle", "reject"]
    until: dt.date


ScenarioEvent = Annotated[
    ContractSigned
    | ContractAmended
    | TimeApproved
    | TimeCorrected
    | ExpenseApproved
    | MilestoneEvent
    | ResourceTransferred
    | InvoiceRun
    | PaymentReceived
    | PeriodClosed
    | ExceptionResolved
    | SystemFault,
    Field(discriminator="type"),
]


class Scenario(_Strict):
    """A whole scenario file: the firm, its master data, a timeline and expectations."""

    version: Literal[1]
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    description: str = ""
    firm: FirmConfig
    customers: list[Customer] = Field(default_factory=list)
    resources: list[Resource] = Field(default_factory=list)
    contracts: list[Contract] = Field(default_factory=list)
    events: list[ScenarioEvent] = Field(default_factory=list)
    expect: dict[str, Any] | None = None


class ScenarioError(Exception):
    """The file is not a valid scenario; `problems` are (field path, reason) pairs."""

    def __init__(self, source: str, problems: Sequence[tuple[str, str]]) -> None:
        self.source = source
        self.problems = list(problems)
        lines = "\n".join(f"  {path}: {reason}" for path, reason in self.problems)
        super().__init__(f"{source} is not a valid scenario:\n{lines}")


def _path(location: Sequence[int | str], raw: Any) -> str:
    """Render a pydantic error location as `events[3].hours`, skipping union tags."""
    parts: list[str] = []
    node = raw
    for item in location:
        if isinstance(item, int):
            parts.append(f"[{item}]")
            node = node[item] if isinstance(node, list) and item < len(node) else None
            continue
        is_tag = isinstance(node, dict) and item not in node and node.get("type") == item
        if is_tag or item[:1].isupper() or "[" in item:
            continue  # a discriminator tag or type name pydantic adds to the location
        parts.append(f".{item}" if parts else item)
        node = node.get(item) if isinstance(node, dict) else None
    return "".join(parts) or "(top level)"


def parse_scenario(raw: Any, source: str = "scenario") -> Scenario:
    """Validate already-loaded YAML/JSON data; raise ScenarioError with every problem."""
    if not isinstance(raw, dict):
        raise ScenarioError(source, [("(top level)", "a scenario must be a mapping")])
    try:
        scenario = TypeAdapter(Scenario).validate_python(raw)
    except ValidationError as error:
        problems = [(_path(e["loc"], raw), e["msg"]) for e in error.errors()]
        raise ScenarioError(source, problems) from None
    problems = list(_timeline_problems(scenario.events))
    if problems:
        raise ScenarioError(source, problems)
    return scenario


def _timeline_problems(events: Sequence[Any]) -> Iterator[tuple[str, str]]:
    """Events that name what no earlier event created (a correction of time never
    approved), found before anything runs."""
    approved: set[str] = set()
    for index, event in enumerate(events):
        if isinstance(event, TimeApproved):
            approved.add(event.id)
        elif isinstance(event, TimeCorrected) and event.id not in approved:
            yield (
                f"events[{index}].id",
                f"time entry {event.id} is corrected before any time.approved event approved it",
            )


def load_scenario(path: Path) -> Scenario:
    """Read a YAML or JSON scenario file and validate it."""
    if not path.is_file():
        raise ScenarioError(str(path), [("(file)", "no such file")])
    text = path.read_text(encoding="utf-8")
    try:
        raw = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as error:
        raise ScenarioError(str(path), [("(file)", f"not valid YAML/JSON: {error}")]) from None
    return parse_scenario(raw, str(path))
