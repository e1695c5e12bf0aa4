"""Posting ledger journals to the ERP: once each, never into a closed period.

The journals of a month (`LedgerJournals`) go to the ERP's `JournalPosting` port, keyed by
each entry's stable id, so posting a month again (retry, crash, rerun) books nothing
twice: what the ERP already holds is reported as posted and left alone.

An entry is refused, and opens a `posting_rejected` exception for finance holding the
entry, when
- its month is closed for its entity in the hub: an entry that was not booked before the
  close would change a closed month, so finance decides (reopen the month and post
  again, or skip the exception with a reason); or
- the ERP refuses it, e.g. its period is closed there (the ERP's reason is kept).
A later posting that succeeds closes the entry's exception.

Each entry's posting state is read back, never stored twice: `posted` with the ERP's
move number when the ERP holds it, `refused` with the reason while its exception is
open, `pending` otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

from accord.application.gateways import JournalPosting, PostedJournal, is_gateway_failure
from accord.application.governance import Governance
from accord.application.journals import BillingStateSource, LedgerJournals
from accord.application.ports import ExceptionRecord
from accord.canonical.v1.finance import LedgerPosting
from accord.domain.calendar import Period
from accord.domain.exceptions import BusinessException, ExceptionKind

REFUSAL = ExceptionKind.POSTING_REJECTED


class JournalPostingUnsupported(LookupError):
    """The ERP connector offers no `JournalPosting`; the message says what to configure."""


class PostingState(StrEnum):
    POSTED = "posted"
    REFUSED = "refused"
    PENDING = "pending"


@dataclass(frozen=True, slots=True)
class JournalStatus:
    """Where one entry stands in the ERP."""

    document_number: str
    entity: str
    period: str
    kind: str
    state: PostingState
    erp_number: str | None = None
    reason: str | None = None


class JournalExceptions(Protocol):
    """What posting needs of the exception queue (`ExceptionService` has it)."""

    def open(
        self, exception: BusinessException, details: Mapping[str, Any] | None = None
    ) -> int: ...

    def close(self, kind: ExceptionKind, subject: str, note: str) -> bool: ...

    def open_records(
        self, owner: Any = None, kind: ExceptionKind | None = None
    ) -> list[ExceptionRecord]: ...


class JournalPoster:
    """Posts a month's journals to the ERP and reports each entry's posting state."""

    def __init__(
        self,
        journals: LedgerJournals,
        billing: BillingStateSource,
        erp: JournalPosting | None,
        exceptions: JournalExceptions,
    ) -> None:
        self._journals = journals
        self._billing = billing
        self._erp = erp
        self._exceptions = exceptions

    @property
    def supported(self) -> bool:
        """Whether the ERP connector takes journal entries."""
        return self._erp is not None

    def post(self, period: Period, entity: str | None = None) -> list[JournalStatus]:
        """Post every entry of `period` (of one entity, or all) the ERP does not hold yet;
        returns each entry's state afterwards."""
        erp = self._port()
        postings = self._journals.postings(period, entity)
        held = erp.posted_journals([p.document_number for p in postings])
        state = self._billing.firm_state()
        refused = {r.subject for r in self._exceptions.open_records(kind=REFUSAL)}
        results = []
        for posting in postings:
            found = held.get(posting.document_number)
            if found is None and state.is_closed(posting.entity, period.last_day):
                results.append(self._refuse(posting, _closed_in_hub(posting, period), "hub"))
            elif found is None:
                results.append(self._book(erp, posting))
            else:
                if posting.document_number in refused:  # booked since it was refused
                    self._exceptions.close(REFUSAL, posting.document_number, "held by the ERP")
                results.append(_posted(posting, found))
        return results

    def statuses(self, period: Period, entity: str | None = None) -> list[JournalStatus]:
        """Each entry of `period` with its state, read back from the ERP and the queue."""
        postings = self._journals.postings(period, entity)
        numbers = [p.document_number for p in postings]
        held = self._erp.posted_journals(numbers) if self._erp is not None else {}
        refused = {r.subject: r.message for r in self._exceptions.open_records(kind=REFUSAL)}
        return [_read_back(p, held, refused) for p in postings]

    def _port(self) -> JournalPosting:
        if self._erp is None:
            raise JournalPostingUnsupported(
                "the ERP connector does not take journal entries; configure an ERP "
                "connector that offers JournalPosting (e.g. tryton), or a landscape source "
                "with system erp that does (a filedrop journal export, an sql journal "
                "table), to post journals"
            )
        return self._erp

    def _book(self, erp: JournalPosting, posting: LedgerPosting) -> JournalStatus:
        try:
            found = erp.post_journal(posting)
        except Exception as error:
            if not is_gateway_failure(error) or error.retryable:
                raise
            return self._refuse(posting, f"the ERP refused it: {error.reason}", "erp")
        self._exceptions.close(REFUSAL, posting.document_number, "posted to the ERP")
        return _posted(posting, found)

    def _refuse(self, posting: LedgerPosting, reason: str, where: str) -> JournalStatus:
        amount = sum((line.debit for line in posting.lines), Decimal(0))
        message = f"journal entry {posting.document_number} was not posted: {reason}"
        self._exceptions.open(
            BusinessException(REFUSAL, posting.document_number, message, amount, posting.currency),
            {"refused_by": where, "reason": reason, "entry": posting.model_dump(mode="json")},
        )
        return _status(posting, PostingState.REFUSED, reason=message)


def _read_back(
    posting: LedgerPosting, held: Mapping[str, PostedJournal], refused: Mapping[str, str]
) -> JournalStatus:
    """Posted if the ERP holds it, refused while its exception is open, else pending."""
    key = posting.document_number
    if key in held:
        return _posted(posting, held[key])
    if key in refused:
        return _status(posting, PostingState.REFUSED, reason=refused[key])
    return _status(posting, PostingState.PENDING)


def _closed_in_hub(posting: LedgerPosting, period: Period) -> str:
    return (
        f"{period} is closed for {posting.entity} in Accord; reopen the month and post "
        "again, or skip this exception with a reason"
    )


def _status(
    posting: LedgerPosting,
    state: PostingState,
    erp_number: str | None = None,
    reason: str | None = None,
) -> JournalStatus:
    dims = posting.dimensions
    return JournalStatus(
        posting.document_number,
        posting.entity,
        dims.get("period", ""),
        dims.get("kind", ""),
        state,
        erp_number,
        reason,
    )


def _posted(posting: LedgerPosting, found: PostedJournal) -> JournalStatus:
    return _status(posting, PostingState.POSTED, erp_number=found.number or found.external_id)


def count_by_state(statuses: Sequence[JournalStatus]) -> dict[str, int]:
    """How many entries are in each state (every state named, zero included)."""
    return {state.value: sum(1 for s in statuses if s.state is state) for state in PostingState}


def post_audited(
    poster: JournalPoster,
    governance: Governance,
    period: str,
    entity: str | None,
    actor: str,
    correlation: str,
) -> list[JournalStatus]:
    """Post a month's entries and record who did it in the audit trail: what the API
    and the dashboard's button both do."""
    statuses = poster.post(Period.parse(period), entity)
    governance.audit.record(
        actor,
        "journals.posted",
        f"journals:{period}" + (f":{entity}" if entity else ""),
        before=None,
        after=count_by_state(statuses),
        correlation_id=correlation,
    )
    return statuses
