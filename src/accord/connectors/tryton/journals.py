"""Ledger journals as Tryton account moves (the application's `JournalPosting` port).

Each entry becomes one `account.move` in the miscellaneous (general) journal of the
company, dated on the entry's posting date, with one move line per journal line on the
account whose `code` the chart of accounts names, and is posted. The move's
`description` is the entry's id (`entity/month/kind/contract/currency`): it is the
idempotency key, searched before every create, so a retry after a crash or a timeout
finds the first move instead of booking a second one. Amounts travel as Decimal strings.

Refusals (`RejectedError`, never retried) name what to fix: the period of the posting
date is closed (or missing) in Tryton, an account code is not in the chart, or the entry
is in another currency than the company's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from accord.canonical.v1.finance import LedgerPosting, PostingLine
from accord.connectors.sdk import PostedDocument, RejectedError
from accord.connectors.tryton.rpc import TrytonRpc

MOVE = "account.move"
MOVE_FIELDS = ["description", "number", "state"]


class TrytonJournals:
    """`JournalPosting` on the Tryton user's current company (see the module docs)."""

    def __init__(self, rpc: TrytonRpc) -> None:
        self.rpc = rpc
        self._journal: int | None = None

    def post_journal(self, posting: LedgerPosting) -> PostedDocument:
        """Create the entry's move once, then post it (see the module docs)."""
        found = self._moves([posting.document_number]).get(posting.document_number)
        move = int(found["id"]) if found else self._create(posting)
        if found is None or found["state"] != "posted":
            self.rpc.model(MOVE, "post", [move])
        (record,) = self.rpc.model(MOVE, "read", [move], MOVE_FIELDS)
        return _posted(record)

    def posted_journals(self, document_numbers: Sequence[str]) -> Mapping[str, PostedDocument]:
        """The posted moves of these entries, by entry id (a draft is not posted yet)."""
        moves = self._moves(document_numbers)
        return {key: _posted(m) for key, m in moves.items() if m["state"] == "posted"}

    def _moves(self, document_numbers: Sequence[str]) -> dict[str, dict[str, Any]]:
        if not document_numbers:
            return {}
        records: list[dict[str, Any]] = self.rpc.model(
            MOVE, "search_read",
            [("company", "=", self._company()), ("description", "in", list(document_numbers))],
            0, None, [["id", "ASC"]], MOVE_FIELDS,
        )  # fmt: skip
        moves: dict[str, dict[str, Any]] = {}
        for record in records:
            moves.setdefault(record["description"], record)
        return moves

    def _create(self, posting: LedgerPosting) -> int:
        self._check_currency(posting)
        accounts = self._accounts(posting)
        values = {
            "company": self._company(),
            "journal": self._general_journal(),
            "period": self._open_period(posting.posting_date, posting.document_number),
            "date": posting.posting_date,
            "description": posting.document_number,
            "lines": [["create", [_line(line, accounts) for line in posting.lines]]],
        }
        (created,) = self.rpc.model(MOVE, "create", [values], retry_safe=False)
        return int(created)

    def _company(self) -> int:
        company = self.rpc.context.get("company")
        if not company:
            raise RejectedError(
                422, "", reason="the Tryton user has no current company; set one in its preferences"
            )
        return int(company)

    def _check_currency(self, posting: LedgerPosting) -> None:
        (company,) = self.rpc.model("company.company", "read", [self._company()], ["currency.code"])
        code = (company.get("currency.") or {}).get("code")
        if code != posting.currency:
            raise RejectedError(
                422, "", reason=f"journal entry {posting.document_number} is in "
                f"{posting.currency}, the Tryton company books in {code}; post it to the "
                "company of that currency",
            )  # fmt: skip

    def _general_journal(self) -> int:
        if self._journal is None:
            found = self.rpc.model("account.journal", "search", [("type", "=", "general")], 0, 1,
                                   [["code", "DESC"]])  # fmt: skip
            if not found:
                raise RejectedError(
                    422, "", reason="Tryton has no general journal to book journal entries in"
                )
            self._journal = int(found[0])
        return self._journal

    def _open_period(self, day: dt.date, key: str) -> int:
        periods = self.rpc.model(
            "account.period", "search_read",
            [("company", "=", self._company()), ("type", "=", "standard"),
             ("start_date", "<=", day), ("end_date", ">=", day)],
            0, 1, None, ["name", "state"],
        )  # fmt: skip
        if not periods:
            raise RejectedError(
                422, "", reason=f"Tryton has no period for {day}; create the fiscal year first"
            )
        (period,) = periods
        if period["state"] != "open":
            raise RejectedError(
                422, "", reason=f"period {period['name']} is {period['state']} in Tryton; "
                f"journal entry {key} dated {day} is not booked into it",
            )  # fmt: skip
        return int(period["id"])

    def _accounts(self, posting: LedgerPosting) -> dict[str, int]:
        codes = sorted({line.account for line in posting.lines})
        found = self.rpc.model(
            "account.account", "search_read",
            [("company", "=", self._company()), ("code", "in", codes)], 0, None, None, ["code"],
        )  # fmt: skip
        accounts = {record["code"]: int(record["id"]) for record in found}
        missing = [code for code in codes if code not in accounts]
        if missing:
            raise RejectedError(
                422, "", reason=f"Tryton has no account {', '.join(missing)}; map the roles "
                "to the Tryton chart in ACCORD_LEDGER_ACCOUNTS",
            )  # fmt: skip
        return accounts


def _line(line: PostingLine, accounts: Mapping[str, int]) -> dict[str, Any]:
    dimensions = " ".join(f"{key}={value}" for key, value in sorted(line.dimensions.items()))
    return {
        "account": accounts[line.account],
        "debit": line.debit,
        "credit": line.credit,
        "description": f"{line.description or ''} {dimensions}".strip(),
    }


def _posted(record: Mapping[str, Any]) -> PostedDocument:
    return PostedDocument(
        external_id=str(record["id"]), number=record.get("number") or "", status=record["state"]
    )
