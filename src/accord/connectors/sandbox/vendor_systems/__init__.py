"""The sandbox firm in the vendor simulators: the `FirmSystems` adapter of a landscape
whose roles the vendor connectors play (`sandbox: {vendors: true}`, the default).

Each role is written through its vendor's API as the simulator serves it (see each
module): customers and contracts in Salesforce (`salesforce.py`), workers and transfers
in Workday (`workday.py`, through the simulator's seeding path: Workday has no write
API for workers), projects, milestones, time, expenses and approvals in Kantata OX
(`kantata.py`), payments in NetSuite (`netsuite.py`). Billing keeps the generic system.

The shipped Kantata mappings put time and milestones on the contract's term `default`,
so the term time is logged on (a contract's first) is written to Salesforce under that
id, and a fixed fee's milestones under their names, the titles of their stories.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from accord.connectors.sandbox.firm import GeneratedFirm
from accord.connectors.sandbox.firm_systems import (
    Collection,
    ExpenseLog,
    OpenInvoice,
    PendingMilestone,
    TimeLog,
)
from accord.connectors.sandbox.vendor_systems.kantata import KantataAccount
from accord.connectors.sandbox.vendor_systems.netsuite import NetSuiteAccount
from accord.connectors.sandbox.vendor_systems.salesforce import SalesforceOrg
from accord.connectors.sandbox.vendor_systems.workday import WorkdayTenant

__all__ = ["VendorSystems", "vendor_terms"]

LOGGED_TERM = "default"
"""The term the shipped Kantata mappings put time entries and milestones on."""


def vendor_terms(contract: dict[str, Any]) -> list[dict[str, Any]]:
    """The contract's terms as the vendors hold them: the first term (the one time is
    logged on) is `default`, and milestones are known by their names."""
    terms = []
    for index, term in enumerate(contract["terms"]):
        renamed = dict(term, id=LOGGED_TERM) if index == 0 else dict(term)
        if "milestones" in term:
            renamed["milestones"] = [dict(m, id=m["name"]) for m in term["milestones"]]
        terms.append(renamed)
    return terms


def _milestones(contract: dict[str, Any]) -> list[str]:
    """The ids of the contract's milestones, as the vendors know them."""
    return [m["id"] for term in vendor_terms(contract) for m in term.get("milestones", [])]


class VendorSystems:
    """`FirmSystems` over the vendor simulators of the landscape at `base_url`."""

    def __init__(self, base_url: str, timeout: float = 30) -> None:
        root = base_url.rstrip("/")
        self.salesforce = SalesforceOrg(f"{root}/salesforce", timeout)
        self.kantata = KantataAccount(f"{root}/kantata", timeout)
        self.workday = WorkdayTenant(f"{root}/workday", timeout)
        self.netsuite = NetSuiteAccount(f"{root}/netsuite", timeout)

    def close(self) -> None:
        for vendor in (self.salesforce, self.kantata, self.workday, self.netsuite):
            vendor.http.close()

    def load_firm(self, firm: GeneratedFirm, stopping: Callable[[], bool]) -> bool:
        """Workers and customers first, then every contract's project (before any
        contract is signed, so the hub's activation finds the workspace the firm made),
        the contracts, drafted and signed, and last their milestones (after their
        contracts, so the hub never reads a milestone of a contract it does not know)."""
        for worker in firm.workers:
            self.workday.hire(worker)
        for customer in firm.customers:
            self.salesforce.add_customer(customer)
        steps: tuple[Callable[[dict[str, Any]], None], ...] = (
            self.kantata.add_project,
            self._sign,
            self._add_milestones,
        )
        for step in steps:
            for contract in firm.contracts:
                if stopping():
                    return False
                step(contract)
        return True

    def _sign(self, contract: dict[str, Any]) -> None:
        self.salesforce.sign_contract(contract, vendor_terms(contract))

    def _add_milestones(self, contract: dict[str, Any]) -> None:
        self.kantata.add_milestones(contract["id"], _milestones(contract))

    def last_entry_number(self) -> int:
        """Kantata numbers its entries itself: the count of those already logged."""
        return self.kantata.count_time_entries()

    def log_time(self, entry: TimeLog) -> str:
        billable = entry.contract["terms"][0]["type"] != "fixed_fee"
        return self.kantata.log_time(entry, billable)

    def log_expense(self, expense: ExpenseLog) -> str:
        return self.kantata.log_expense(expense)

    def review(self, collection: Collection, entry: str, approve: bool) -> None:
        self.kantata.review(collection, entry, approve)

    def pending_milestones(self) -> list[PendingMilestone]:
        return self.kantata.pending_milestones()

    def accept_milestone(self, milestone: PendingMilestone, day: date) -> None:
        self.kantata.accept_milestone(milestone)

    def amend(self, contract: dict[str, Any], rate: str, day: date) -> None:
        self.salesforce.amend(contract["id"], LOGGED_TERM, rate, day)

    def open_invoices(self) -> list[OpenInvoice]:
        return self.netsuite.open_invoices()

    def pay_invoice(self, invoice: OpenInvoice, day: date) -> str:
        return self.netsuite.pay(invoice, day)

    def transfer(self, worker: str, entity: str, effective_from: date) -> None:
        self.workday.transfer(worker, entity, effective_from)
