"""Ledger journals as NetSuite journal entries (the application's `JournalPosting` port).

Each entry becomes one `journalEntry` whose external id is the entry's id
(`entity/month/kind/contract/currency`), written with `PUT /journalEntry/eid:<id>`: an
upsert, so a retry after a timeout or a crash leaves one entry. Lines name their account
by external id (the chart's account code), debit or credit as Decimal strings; the
subsidiary is the entry's entity, and the entry's dimensions (department, class,
location) are referenced by external id. A closed period or an unknown account is a
`RejectedError` naming NetSuite's reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from accord.canonical.v1.finance import LedgerPosting
from accord.connectors.netsuite.asynchronous import write
from accord.connectors.netsuite.rest import NetSuiteSession, eid_path
from accord.connectors.sdk import PostedDocument

RECORD = "journalEntry"


def journal_body(posting: LedgerPosting) -> dict[str, Any]:
    """The REST record body of one journal entry."""
    return {
        "tranId": posting.document_number,
        "subsidiary": {"externalId": posting.entity},
        "currency": {"refName": posting.currency},
        "tranDate": posting.posting_date.isoformat(),
        **{name: {"externalId": value} for name, value in posting.dimensions.items()},
        "line": {
            "items": [
                {
                    "account": {"externalId": line.account},
                    "debit": line.debit,
                    "credit": line.credit,
                    "memo": line.description,
                }
                for line in posting.lines
            ]
        },
    }


class NetSuiteJournals:
    """`JournalPosting` through NetSuite journal entries (see the module docs)."""

    def __init__(self, session: NetSuiteSession) -> None:
        self._session = session

    def post_journal(self, posting: LedgerPosting) -> PostedDocument:
        """Upsert the entry by its id and read back what NetSuite holds."""
        write(self._session, RECORD, posting.document_number, journal_body(posting))
        record = self._session.read_optional(eid_path(RECORD, posting.document_number))
        assert record is not None, "NetSuite accepted the journal entry but cannot read it"
        return _posted(record)

    def posted_journals(self, document_numbers: Sequence[str]) -> Mapping[str, PostedDocument]:
        """The journal entries NetSuite holds for these entry ids, by entry id."""
        found = {n: self._session.read_optional(eid_path(RECORD, n)) for n in document_numbers}
        return {n: _posted(record) for n, record in found.items() if record is not None}


def _posted(record: Mapping[str, Any]) -> PostedDocument:
    return PostedDocument(
        external_id=str(record["id"]), number=str(record["tranId"]), status="posted"
    )
