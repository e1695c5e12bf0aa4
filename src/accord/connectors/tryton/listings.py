"""What Tryton lists for reconciliation: the projects Accord set up, and their contracts.

`TrytonProjects` implements the application's `ProjectListing` and `ContractListing`
ports structurally. It reads the top-level ``project.work`` records that carry a number
(Accord numbers each project with its project id, which is the contract's id) with their
party's code (the customer id). Tryton keeps neither the contract nor Accord's entity
on a project, so those fields are None and are not compared. The payments Tryton
received are read through `ErpGateway.list_payments`, like every ERP's.
"""

from __future__ import annotations

from collections.abc import Sequence

from accord.connectors.tryton.mapping import related_value
from accord.connectors.tryton.rpc import TrytonRpc
from accord.domain.reconciliation import ContractRecord, ProjectRecord

PROJECTS_DOMAIN = [("type", "=", "project"), ("parent", "=", None), ("number", "!=", None)]


class TrytonProjects:
    """Accord's projects in Tryton as reconciliation records (see the module docs)."""

    def __init__(self, rpc: TrytonRpc) -> None:
        self._rpc = rpc

    def project_records(self) -> Sequence[ProjectRecord]:
        """Every numbered top-level project, keyed by its number (Accord's project id)."""
        rows = self._rpc.model(
            "project.work", "search_read", PROJECTS_DOMAIN, 0, None, [["id", "ASC"]],
            ["number", "party.code"],
        )  # fmt: skip
        return [
            ProjectRecord(str(row["number"]), None, None, related_value(row, "party", "code"))
            for row in rows
        ]

    def contract_records(self) -> Sequence[ContractRecord]:
        """The contract of each project: the project's number, with its customer."""
        return [ContractRecord(p.key, None, p.customer) for p in self.project_records()]
