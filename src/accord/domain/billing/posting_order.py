"""When an issued document may go to the ERP, and what a refused posting waits on.

The ERP can only book an invoice for a customer it holds: contract activation puts the
customer and the project there first. Documents are issued as soon as billing holds a
signed contract and its time, which can be before its activation finished (the CRM's
customer arrived late, a worker still had the activation queued), so a document's
posting is started only once its contract is active everywhere.

A posting that still reaches the ERP before the activation (a flow started earlier, a
hub restarted mid-way) and is refused is not a finance matter yet: the refusal most
likely says the customer is not there. It waits as an `unknown_reference`, which its
flow retries on its own; once the contract is active, a refusal is a real one
(`posting_rejected`, for finance).
"""

from __future__ import annotations

from collections.abc import Collection

from accord.domain.exceptions import ExceptionKind


def ready_to_post(contract: str, activated: Collection[str]) -> bool:
    """Whether a document of `contract` may be posted: its activation finished (the
    ERP holds its customer and project). `activated` are the contracts active everywhere."""
    return contract in activated


def failed_posting_kind(*, retryable: bool, contract_active: bool) -> ExceptionKind:
    """The exception a failed ERP posting becomes.

    An outage past the connector's retries is `system_unavailable`; a refusal before the
    contract's activation finished is an `unknown_reference` (the ERP may not hold the
    customer yet), retried by itself; any other refusal is `posting_rejected`.
    """
    if retryable:
        return ExceptionKind.SYSTEM_UNAVAILABLE
    if not contract_active:
        return ExceptionKind.UNKNOWN_REFERENCE
    return ExceptionKind.POSTING_REJECTED
