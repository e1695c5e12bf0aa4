"""The sandbox firm's delivery in Kantata OX, through `/api/v1/` as the firm's people
use it.

A contract's project is a workspace carrying the external references Accord's
connector gives the workspaces it provisions (`service_name` `Accord`, `project` and
`contract` = the contract id), so the connector maps its time to the contract and the
hub's activation finds the workspace instead of creating a second one. Its fixed-fee
milestones are stories of type `milestone` titled with the milestone's id; acceptance
completes the story. People log time entries (`time_in_minutes`) and expenses
(`amount_in_cents`) on the workspace under their employee id (`user_id`, the worker id
HR knows them by); approval sets `approved`. Kantata has no rejected state on an
entry: a rejected one is sent back unapproved (`user_can_edit` again) and is never
billed. The sandbox's own bookkeeping (which story is which milestone) uses references
of its own service, `Accord sandbox`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from accord.connectors.sandbox.firm_systems import (
    Collection,
    ExpenseLog,
    PendingMilestone,
    TimeLog,
)
from accord.connectors.sandbox.vendor_systems.auth import RefreshedBearer
from accord.connectors.sandbox.vendors import VENDOR_SETTINGS

API = "/api/v1"
PER_PAGE = 200
ACCORD = "Accord"
"""The service name of the references Accord's connector reads (its default)."""
SANDBOX = "Accord sandbox"
SINGULAR: dict[str, str] = {
    "workspaces": "workspace",
    "stories": "story",
    "time_entries": "time_entry",
    "expenses": "expense",
}


def _reference(service: str, model: str, ref: str) -> dict[str, str]:
    return {"service_name": service, "service_model": model, "service_model_ref": ref}


def _objects(body: Mapping[str, Any], resource: str) -> list[dict[str, Any]]:
    """The objects of a Kantata answer, in the order of its `results`."""
    return [body[resource][str(r["id"])] for r in body["results"] if r["key"] == resource]


class KantataAccount:
    """The Kantata OX account at `base_url`, signed in with the simulator's token (and its
    refresh token when that expires)."""

    def __init__(self, base_url: str, timeout: float) -> None:
        self._settings = VENDOR_SETTINGS["kantata"]
        auth = RefreshedBearer(self._token, self._settings["access_token"])
        self.http = httpx.Client(base_url=base_url, timeout=timeout, auth=auth)
        self._workspaces: dict[str, str] = {}

    def _token(self) -> str:
        form = {"grant_type": "refresh_token"} | {
            k: self._settings[k] for k in ("client_id", "client_secret", "refresh_token")
        }
        response = httpx.post(f"{self.http.base_url}oauth/token", data=form)
        response.raise_for_status()
        return str(response.json()["access_token"])

    def _get(self, resource: str, **params: Any) -> dict[str, Any]:
        response = self.http.get(f"{API}/{resource}", params=params)
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    def _pages(self, resource: str, **params: Any) -> Iterator[dict[str, Any]]:
        page = 1
        while True:
            body = self._get(resource, page=page, per_page=PER_PAGE, **params)
            yield body
            if page >= int(body["meta"]["page_count"]):
                return
            page += 1

    def _create(self, resource: str, fields: Mapping[str, Any]) -> str:
        body = {SINGULAR[resource]: dict(fields)}
        response = self.http.post(f"{API}/{resource}", json=body)
        response.raise_for_status()
        return str(_objects(response.json(), resource)[0]["id"])

    def _update(self, resource: str, object_id: str, fields: Mapping[str, Any]) -> None:
        body = {SINGULAR[resource]: dict(fields)}
        self.http.put(f"{API}/{resource}/{object_id}", json=body).raise_for_status()

    def _find(self, resource: str, service: str, model: str, ref: str) -> str | None:
        found = self._get(
            resource,
            external_reference_service_name=service,
            external_reference_service_model=model,
            external_reference_service_model_ref=ref,
        )
        objects = _objects(found, resource)
        return str(objects[0]["id"]) if objects else None

    def add_project(self, contract: Mapping[str, Any]) -> None:
        """The contract's workspace, created once."""
        key = contract["id"]
        workspace = self._find("workspaces", ACCORD, "project", key)
        if workspace is None:
            refs = [_reference(ACCORD, "project", key), _reference(ACCORD, "contract", key)]
            fields = {
                "title": f"Project {key}",
                "currency": contract["currency"],
                "external_references_attributes": refs,
            }
            workspace = self._create("workspaces", fields)
        self._workspaces[key] = workspace

    def add_milestones(self, contract: str, milestones: list[str]) -> None:
        """The milestone stories of the contract's workspace, each created once."""
        workspace, key = self._workspaces[contract], contract
        for milestone in milestones:
            ref = f"{key}-{milestone}"
            if self._find("stories", SANDBOX, "milestone", ref) is None:
                story = {
                    "workspace_id": workspace,
                    "title": milestone,
                    "story_type": "milestone",
                    "state": "not started",
                    "external_references_attributes": [_reference(SANDBOX, "milestone", ref)],
                }
                self._create("stories", story)

    def count_time_entries(self) -> int:
        return int(self._get("time_entries", per_page=1)["count"])

    def log_time(self, entry: TimeLog, billable: bool) -> str:
        fields = {
            "workspace_id": self._workspaces[entry.contract["id"]],
            "user_id": entry.worker,
            "date_performed": entry.day.isoformat(),
            "time_in_minutes": entry.minutes,
            "billable": billable,
            "approved": False,
        }
        return self._create("time_entries", fields)

    def log_expense(self, expense: ExpenseLog) -> str:
        fields = {
            "workspace_id": self._workspaces[expense.contract["id"]],
            "user_id": expense.worker,
            "date": expense.day.isoformat(),
            "amount_in_cents": int(expense.amount * 100),
            "currency": expense.contract["currency"],
            "category": "Travel",
            "is_billable": True,
            "approved": False,
        }
        return self._create("expenses", fields)

    def review(self, collection: Collection, entry: str, approve: bool) -> None:
        decision = {"approved": True} if approve else {"approved": False, "user_can_edit": True}
        self._update(collection, entry, decision)

    def pending_milestones(self) -> list[PendingMilestone]:
        pending = []
        for body in self._pages("stories", story_type="milestone", include="external_references"):
            refs = {
                str(r["subject_id"]): str(r["service_model_ref"])
                for r in body.get("external_references", {}).values()
                if r.get("service_name") == SANDBOX
            }
            for story in _objects(body, "stories"):
                if story.get("state") != "completed" and str(story["id"]) in refs:
                    pending.append(PendingMilestone(refs[str(story["id"])], str(story["id"])))
        return pending

    def accept_milestone(self, milestone: PendingMilestone) -> None:
        """The story is completed: the connector reads it as accepted on that day."""
        self._update("stories", milestone.handle, {"state": "completed"})
