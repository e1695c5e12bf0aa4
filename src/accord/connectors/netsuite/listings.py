"""What NetSuite lists for reconciliation: the projects (jobs) Accord set up, and their
contracts.

`NetSuiteListings` implements the application's `ProjectListing` and `ContractListing`
ports structurally. It reads the jobs carrying an external id (Accord's project id),
with `custentity_accord_contract`, the parent customer, the subsidiary and whether the
job is inactive, by SuiteQL paged with `limit`/`offset` while the answer says `hasMore`,
through a session that tries each call fewer times than a write (`listing_session`): a
system that cannot be listed is reported skipped by the run, and the next run reads it
again. The customer payments are not listed here: reconciliation reads the ERP's
payments through `ErpGateway.list_payments`, as the source the mirrors are compared to.
"""

from __future__ import annotations

from collections.abc import Sequence

from accord.connectors.netsuite.rest import PAGE_LIMIT, NetSuiteSession
from accord.connectors.sdk.sessions import listing_session
from accord.domain.reconciliation import ContractRecord, ProjectRecord

JOBS = (
    "SELECT id, externalid, parent, subsidiary, isinactive, custentity_accord_contract "
    "FROM job WHERE externalid IS NOT NULL ORDER BY id"
)


class NetSuiteListings:
    """Accord's jobs in one account as reconciliation records; `page_size` is SuiteQL's
    `limit` per page (at most 1000)."""

    def __init__(self, session: NetSuiteSession, page_size: int = PAGE_LIMIT) -> None:
        self._session = listing_session(session)
        self._page_size = page_size

    def project_records(self) -> Sequence[ProjectRecord]:
        """The jobs Accord set up (those with an external id), keyed by it."""
        return [
            ProjectRecord(
                str(row["externalid"]),
                None,
                row.get("custentity_accord_contract"),
                row.get("parent"),
                row.get("subsidiary"),
                "inactive" if row.get("isinactive") == "T" else "active",
            )
            for row in self._session.suiteql(JOBS, self._page_size)
        ]

    def contract_records(self) -> Sequence[ContractRecord]:
        """The contract of each job Accord set up, with its customer and entity."""
        return [
            ContractRecord(p.contract or p.key, None, p.customer, p.entity)
            for p in self.project_records()
        ]
