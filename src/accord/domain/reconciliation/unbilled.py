"""Unbilled time: the one rule the KPIs, revenue leakage and reconciliation share.

Approved time counts toward billing when it is billable and booked to a term billed by
the hour (time and materials, or a term the hub does not know). It is *unbilled* when no
document of the hub bills it, and it is reported (leakage, an `unbilled_time`
discrepancy) from `unbilled_after_days` after its work date: younger time is work in
flight. Whichever side knows an entry, the hub's state or the PSA read by reconciliation,
the same entry is unbilled for all three reports, or for none.
"""

from __future__ import annotations

from datetime import date

from accord.domain.contracts.model import Contract


def bills_by_the_hour(contract: Contract | None, term: str, billable: bool) -> bool:
    """Whether approved time on `term` of `contract` is work the firm invoices by the hour.

    An unknown contract cannot tell, so its billable time counts (it stays visible)."""
    if not billable:
        return False
    return contract is None or contract.bills_hours_on(term)


def reported_unbilled(work_date: date, as_of: date, unbilled_after_days: int) -> bool:
    """Whether unbilled time of `work_date` is old enough to report as of `as_of`."""
    return (as_of - work_date).days >= unbilled_after_days
