"""Documents still being posted are not missing anywhere yet.

The hub issues a document, then its posting flow records it in billing and posts it to
the ERP. Until the flow has finished, billing or the ERP lacking the document is work in
flight, not a difference between systems: should a step fail, the flow opens its own
exception (`posting_rejected`, `system_unavailable`) about the document at once. So a
reconciliation run that meets such a document (issued, not yet posted) missing on the
other side reports nothing about it for `POSTING_DAYS` after its issue date; once it is
posted, a document either system lacks is a discrepancy again. A document still not
posted after that (its flow's exception skipped, say) is reported as any other.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date

from accord.domain.reconciliation.kinds import DiscrepancyKind, Finding

POSTING_STEPS = frozenset(
    {
        ("documents_hub_billing", DiscrepancyKind.MISSING_IN_BILLING),
        ("documents_hub_erp", DiscrepancyKind.UNPOSTED_DOCUMENT),
    }
)
"""The findings a posting flow still under way settles: a document the system it is
posting to does not hold yet."""
POSTING_DAYS = 14
"""How long after its issue date a document being posted counts as in flight: posting
takes seconds, and a step that fails opens the flow's exception at once; two weeks
leave room for an outage of the ERP or billing system, and for the sandbox's clock,
which runs two simulated hours a real second while postings take real time."""


def without_documents_in_flight(
    findings: Iterable[Finding], being_posted: Collection[str], as_of: date
) -> list[Finding]:
    """`findings` less the documents `being_posted` (issued, posting not finished, issued
    less than `POSTING_DAYS` before `as_of`) that a system they are being posted to does
    not hold yet."""
    return [finding for finding in findings if not _in_flight(finding, being_posted, as_of)]


def _in_flight(finding: Finding, being_posted: Collection[str], as_of: date) -> bool:
    return (
        (finding.comparison, finding.kind) in POSTING_STEPS
        and finding.key in being_posted
        and finding.on is not None
        and (as_of - finding.on).days < POSTING_DAYS
    )
