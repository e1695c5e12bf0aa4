"""What Kantata OX lists for reconciliation: the workspaces Accord provisioned, as
projects, and their contracts.

`KantataListings` implements the application's `ProjectListing` and `ContractListing`
ports structurally. It reads `GET /api/v1/workspaces` filtered to Accord's external
references (`external_reference_service_name`, `..._service_model=project`) with the
references included, `per_page` 200, page after page while `meta.page_count` says there
is more, through a session that tries each call fewer times than a write
(`listing_session`): a system that cannot be listed is reported skipped by the run, and
the next run reads it again. A workspace's `project` reference is the project id, its
`contract` reference the contract id; Kantata keeps no customer or legal entity that
Accord set, so those are None and not compared.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from accord.connectors.kantata.api import MAX_PER_PAGE, KantataSession, objects
from accord.connectors.sdk.sessions import listing_session
from accord.domain.reconciliation import ContractRecord, ProjectRecord


class KantataListings:
    """Accord's workspaces in one Kantata account as reconciliation records."""

    def __init__(self, session: KantataSession, service_name: str) -> None:
        self._session = listing_session(session)
        self._service = service_name

    def project_records(self) -> Sequence[ProjectRecord]:
        """The workspaces Accord provisioned, keyed by project id, with their contract."""
        params = {
            "external_reference_service_name": self._service,
            "external_reference_service_model": "project",
            "include": "external_references",
            "per_page": MAX_PER_PAGE,
        }
        records = []
        for body in self._session.bodies("/workspaces", params):
            refs = self._references_by_subject(body)
            for space in objects(body):
                mine = refs.get(str(space["id"]), {})
                if "project" in mine:
                    status = "archived" if space.get("archived") else "active"
                    currency = space.get("currency")
                    project, contract = mine["project"], mine.get("contract")
                    records.append(
                        ProjectRecord(project, None, contract, status=status, currency=currency)
                    )
        return records

    def contract_records(self) -> Sequence[ContractRecord]:
        """The contracts of the provisioned workspaces (key = contract id)."""
        return [ContractRecord(p.contract or p.key, None) for p in self.project_records()]

    def _references_by_subject(self, body: Mapping[str, Any]) -> dict[str, dict[str, str]]:
        """Subject id -> `{service_model: service_model_ref}` of Accord's references."""
        refs: dict[str, dict[str, str]] = {}
        for ref in body.get("external_references", {}).values():
            if ref.get("service_name") == self._service:
                own = refs.setdefault(str(ref["subject_id"]), {})
                own[str(ref["service_model"])] = str(ref["service_model_ref"])
        return refs
