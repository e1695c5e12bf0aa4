"""Ledger journals as finance receives them: canonical `LedgerPosting` v1 documents.

The domain decides the entries (`accord.domain.revenue.journals`); this use case reads the
billing book, maps each account role to the firm's account code and each entry to a
posting, which validates that it balances. Account codes come from configuration
(`ACCORD_LEDGER_ACCOUNTS`, `role=code` pairs separated by commas); a role left out keeps
its default code. The `project` dimension comes from the PSA's project records: a
contract delivered through exactly one project carries that project's id.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Protocol

from accord.application.ports import AppliedRecords
from accord.canonical.v1.finance import LedgerPosting, PostingLine
from accord.domain.billing.state import BillingState
from accord.domain.calendar import Period
from accord.domain.revenue.journals import DEFAULT_ACCOUNTS, AccountRole, JournalEntry, journals
from accord.domain.revenue.recognition import revenue_report


class ChartOfAccountsError(ValueError):
    """The configured account mapping cannot be read; the message says what to fix."""


def chart_of_accounts(spec: str = "") -> dict[AccountRole, str]:
    """The default codes overridden by `spec` ("revenue=4000,billings=4090", blanks
    ignored). An unknown role or an empty code is an error naming the known roles."""
    chart = dict(DEFAULT_ACCOUNTS)
    for pair in filter(None, (part.strip() for part in spec.split(","))):
        role, _, code = (text.strip() for text in pair.partition("="))
        known = ", ".join(r.value for r in AccountRole)
        if role not in {r.value for r in AccountRole} or not code:
            raise ChartOfAccountsError(
                f"ACCORD_LEDGER_ACCOUNTS: {pair!r} is not role=code with a known role; "
                f"the roles are {known}"
            )
        chart[AccountRole(role)] = code
    return chart


def ledger_posting(entry: JournalEntry, accounts: Mapping[AccountRole, str]) -> LedgerPosting:
    """The canonical posting of one entry: its id is the document number, so the ERP
    can book it idempotently."""
    return LedgerPosting(
        document_number=entry.id,
        entity=entry.entity,
        posting_date=entry.posting_date,
        currency=entry.currency,
        lines=[
            PostingLine(
                account=accounts[line.role],
                debit=line.debit,
                credit=line.credit,
                description=line.role.value,
                dimensions=dict(line.dimensions),
            )
            for line in entry.lines
        ],
        dimensions={
            "kind": entry.kind.value,
            "period": str(entry.period),
            "contract": entry.contract,
        },
    )


def ledger_postings(
    state: BillingState,
    accounts: Mapping[AccountRole, str] | None = None,
    dimensions: Mapping[str, Mapping[str, str]] | None = None,
) -> list[LedgerPosting]:
    """Every journal entry of the billing state as a posting, by month then id."""
    chart = accounts or DEFAULT_ACCOUNTS
    entries = journals(state, revenue_report(state).rows, dimensions)
    return [ledger_posting(entry, chart) for entry in entries]


PAGE = 500


def project_dimensions(records: AppliedRecords) -> dict[str, dict[str, str]]:
    """`{"project": id}` per contract that exactly one applied project record delivers;
    a contract with none or several has no project dimension (nothing is picked)."""
    projects: dict[str, set[str]] = {}
    after: str | None = None
    while True:
        page = records.page("project", after, PAGE)
        for record in page:
            contract = json.loads(record.data).get("contract")
            if contract:
                projects.setdefault(str(contract), set()).add(record.key)
        if len(page) < PAGE:
            break
        after = page[-1].key
    return {
        contract: {"project": next(iter(ids))}
        for contract, ids in projects.items()
        if len(ids) == 1
    }


class BillingStateSource(Protocol):
    """The billing book as journals read it (`BillingService` has it)."""

    def by_contracts(self) -> Iterable[BillingState]:
        """The book a chunk of contracts at a time, with their intercompany charges."""
        ...

    def firm_state(self) -> BillingState:
        """The firm-wide data alone (entities, closed periods)."""
        ...


class LedgerJournals:
    """The journals read model: the postings of a month, optionally of one entity."""

    def __init__(
        self,
        billing: BillingStateSource,
        accounts: Mapping[AccountRole, str] | None = None,
        records: AppliedRecords | None = None,
    ) -> None:
        self._billing = billing
        self._accounts = dict(accounts or DEFAULT_ACCOUNTS)
        self._records = records

    def postings(
        self, period: Period | None = None, entity: str | None = None
    ) -> list[LedgerPosting]:
        """Postings of entries belonging to `period` (all months when None), by month
        then id. An entry is one contract's, so the book is read a chunk of contracts at
        a time and never whole."""
        dimensions = project_dimensions(self._records) if self._records else None
        found = [
            posting
            for state in self._billing.by_contracts()
            for posting in ledger_postings(state, self._accounts, dimensions)
            if (period is None or posting.dimensions["period"] == str(period))
            and (entity is None or posting.entity == entity)
        ]
        return sorted(found, key=lambda p: (p.dimensions["period"], p.document_number))
