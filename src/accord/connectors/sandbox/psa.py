"""The connector to the sandbox PSA (Kantata-like), implementing `PsaGateway`.

Its streams read the PSA's event feed, which is unordered, repeats events and keeps only
9 days. `EventFeedStream` reads one whole window, drops repeats (same event id, or the
same record version delivered by two events) and yields each change once, in business
order: by the record's `updated_at`, then its version.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from accord.canonical.v1 import (
    ApprovalStatus,
    Contract,
    Expense,
    Milestone,
    MilestoneState,
    Project,
    TimeAndMaterialsTerm,
    TimeEntry,
)
from accord.connectors.sandbox.common import (
    all_items,
    change_status,
    check_reachable,
    client_from_config,
    read_optional,
)
from accord.connectors.sandbox.listings import listing_ports
from accord.connectors.sdk import (
    CheckResult,
    Cursor,
    ExternalIdUpsert,
    HttpClient,
    Page,
    Stream,
    System,
    decode_cursor,
    encode_cursor,
    idempotency_key,
)

NAME = "sandbox-psa"
T = TypeVar("T")


class ProjectDirectory:
    """Project external reference -> contract id, looked up once per project."""

    def __init__(self, client: HttpClient) -> None:
        self._client = client
        self._contracts: dict[str, str] = {}

    def contract_of(self, project: str) -> str:
        if project not in self._contracts:
            body = self._client.get(f"/projects/eid:{project}").json()
            self._contracts[project] = body.get("contract") or project
        return self._contracts[project]


class EventFeedStream(Generic[T]):
    """A stream of one subject type from the PSA event feed (see the module docs).

    The cursor is the latest `occurred_at` delivered and the ids of the events seen at
    that instant: the next read starts at that instant again and skips those events.
    """

    def __init__(
        self,
        name: str,
        subject_type: str,
        client: HttpClient,
        to_record: Callable[[dict[str, Any], bool], T],
    ) -> None:
        self._name = name
        self._subject_type = subject_type
        self._client = client
        self._to_record = to_record

    @property
    def name(self) -> str:
        return self._name

    def read(self, cursor: Cursor | None, limit: int) -> Page[T]:
        position = decode_cursor(cursor)
        since: str | None = position.get("since")
        seen: set[str] = set(position.get("seen", []))
        changes = self._changes_after(since, seen)
        delivered: list[dict[str, Any]] = []
        while changes and len(delivered) < limit:
            change = changes.pop(0)
            if change["occurred_at"] != since:
                since, seen = change["occurred_at"], set()
            seen.update(change["event_ids"])
            delivered.append(change)
        records = [self._to_record(c["current"], c["deleted"]) for c in delivered]
        next_cursor = encode_cursor({"since": since, "seen": sorted(seen)}) if since else None
        return Page(records=records, next_cursor=next_cursor, has_more=bool(changes))

    def _changes_after(self, since: str | None, seen: set[str]) -> list[dict[str, Any]]:
        """Every change of this subject type in the window, once each, in business order."""
        changes: dict[tuple[str, int], dict[str, Any]] = {}
        for event in self._events(since):
            if event["id"] in seen or event["subject_type"] != self._subject_type:
                continue
            current = event["current"]
            key = (current["id"], current["version"])
            change = changes.setdefault(
                key,
                {
                    "occurred_at": event["occurred_at"],
                    "current": current,
                    "deleted": event["event_type"].endswith(":deleted"),
                    "event_ids": set(),
                },
            )
            change["event_ids"].add(event["id"])
        return sorted(
            changes.values(),
            key=lambda c: (
                c["occurred_at"],
                c["current"]["updated_at"],
                c["current"]["id"],
                c["current"]["version"],
            ),
        )

    def _events(self, since: str | None) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        page: str | None = None
        while True:
            params: dict[str, Any] = {"limit": 500}
            if since:
                params["since"] = since
            if page:
                params["page"] = page
            body = self._client.get("/events", params=params).json()
            events += body["events"]
            page = body.get("next_page")
            if not page:
                return events


class SandboxPsaConnector:
    """Connector and `PsaGateway` for the sandbox PSA."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self._listings = listing_ports(config, "psa")
        self._client = client_from_config(config, NAME)
        self._projects = ProjectDirectory(self._client)

    @property
    def name(self) -> str:
        return NAME

    @property
    def system(self) -> System:
        return "psa"

    def check(self, config: Mapping[str, Any]) -> CheckResult:
        return check_reachable(config, NAME, "/projects")

    def streams(self) -> list[Stream]:
        return [
            EventFeedStream("time_entries", "time_entry", self._client, self._time_entry),
            EventFeedStream("expenses", "expense", self._client, self._expense),
            EventFeedStream("milestones", "milestone", self._client, self._milestone),
        ]

    def ports(self) -> dict[str, object]:
        return {"PsaGateway": self, **self._listings}

    def provision_project(self, project: Project, contract: Contract) -> str:
        fields = {
            "name": project.name,
            "customer": contract.customer,
            "contract": contract.id,
            "currency": contract.currency,
        }
        response = ExternalIdUpsert("psa", "projects", project.id, fields).send(self._client)
        return str(response.json()["id"])

    def publish_rates(self, contract: Contract) -> None:
        path = f"/projects/eid:{quote(contract.id, safe='')}/rate_card"
        self._client.put(path, json=rate_card(contract))

    def close_project(self, project_id: str) -> None:
        change_status(self._client, f"/projects/eid:{quote(project_id, safe='')}/close")

    def read_project(self, project_id: str) -> dict[str, Any] | None:
        """The project as the PSA holds it, or None."""
        return read_optional(self._client, f"/projects/eid:{quote(project_id, safe='')}")

    def read_rate_card(self, project_id: str) -> dict[str, Any] | None:
        """The project's rate card as the PSA holds it, or None."""
        path = f"/projects/eid:{quote(project_id, safe='')}/rate_card"
        return read_optional(self._client, path)

    def approved_time(self, since: dt.datetime | None) -> Sequence[TimeEntry]:
        params = {"filter": "approved:true"} | (
            {"updated_since": since.isoformat()} if since else {}
        )
        return [
            self._time_entry(item, False)
            for item in all_items(self._client, "/time_entries", params)
        ]

    def mark_invoiced(self, entry_ids: Sequence[str], invoice_number: str) -> None:
        if not entry_ids:
            return
        key = idempotency_key("psa", "mark-invoiced", invoice_number, *sorted(entry_ids))
        body = {"invoice_id": invoice_number, "entry_ids": list(entry_ids)}
        self._client.post("/time_entries/invoice", json=body, idempotency_key=key)

    def count_invoiced_entries(self) -> int:
        return int(self._client.get("/invoiced_entries/count").json()["count"])

    def _time_entry(self, item: Mapping[str, Any], deleted: bool) -> TimeEntry:
        status = _approval(item)
        return TimeEntry(
            id=item.get("external_reference") or item["id"],
            contract=self._projects.contract_of(item["project"]),
            term=item.get("term") or "default",
            resource=item["user_id"],
            date=dt.date.fromisoformat(item["date_performed"]),
            hours=(Decimal(item["time_in_minutes"]) / 60).quantize(Decimal("0.0001")).normalize(),
            billable=item["billable"],
            status=ApprovalStatus.DELETED if deleted else status,
            description=item.get("notes"),
            source_system="psa",
            source_id=item["id"],
            updated_at=dt.datetime.fromisoformat(item["updated_at"]),
            version=item["version"],
        )

    def _expense(self, item: Mapping[str, Any], deleted: bool) -> Expense:
        status = _approval(item)
        return Expense(
            id=item.get("external_reference") or item["id"],
            contract=self._projects.contract_of(item["project"]),
            resource=item["user_id"],
            date=dt.date.fromisoformat(item["date"]),
            amount=Decimal(item["amount"]),
            currency=item["currency"],
            billable=item["billable"],
            status=ApprovalStatus.DELETED if deleted else status,
            category=item.get("category"),
            source_system="psa",
            source_id=item["id"],
            updated_at=dt.datetime.fromisoformat(item["updated_at"]),
            version=item["version"],
        )

    def _milestone(self, item: Mapping[str, Any], deleted: bool) -> Milestone:
        """A PSA milestone; its `milestone` field (else its name) is the contract's id."""
        accepted = bool(item.get("accepted")) and not deleted
        accepted_on = item.get("accepted_on")
        return Milestone(
            contract=self._projects.contract_of(item["project"]),
            term=item.get("term") or "default",
            milestone=item.get("milestone") or item["name"],
            state=MilestoneState.ACCEPTED if accepted else MilestoneState.PENDING,
            on_hold=bool(item.get("on_hold", False)),
            accepted_on=dt.date.fromisoformat(accepted_on) if accepted_on else None,
            updated_at=dt.datetime.fromisoformat(item["updated_at"]),
            version=item["version"],
        )


def rate_card(contract: Contract) -> dict[str, Any]:
    """The PSA rate card of a contract's time-and-materials terms, as they stand."""
    terms = [t for t in contract.terms if isinstance(t, TimeAndMaterialsTerm)]
    return {
        "currency": contract.currency,
        "rates": [
            {"term": t.id, "role": r.role, "rate": str(r.rate), "from": r.valid_from.isoformat()}
            for t in terms
            for r in t.rates
        ],
        "person_rates": [
            {
                "term": t.id,
                "user_id": p.resource,
                "rate": str(p.rate),
                "from": p.valid_from.isoformat(),
            }
            for t in terms
            for p in t.person_rates
        ],
        "budgets": [{"term": t.id, "cap": str(t.cap)} for t in terms if t.cap is not None],
    }


def connector_factory(config: Mapping[str, Any]) -> SandboxPsaConnector:
    """Entry point `sandbox-psa`: a connector to the sandbox PSA at `config["base_url"]`."""
    return SandboxPsaConnector(config)


def _approval(item: Mapping[str, Any]) -> ApprovalStatus:
    """A PSA entry's approval: approved, rejected by its approver, or still submitted."""
    if item.get("rejected"):
        return ApprovalStatus.REJECTED
    return ApprovalStatus.APPROVED if item["approved"] else ApprovalStatus.SUBMITTED
