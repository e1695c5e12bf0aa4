"""Many documents per `create` and per `post` call: the connector's `BatchPosting`.

Posting documents one by one costs five calls each (look-up, create, state, post,
totals). A batch makes the same five calls for all of its documents, and stays
idempotent per document exactly as `TrytonErpConnector.post_invoice` is: each document
is looked up first (the id map, then one search by reference for the whole batch), only
the missing ones are created, and only those still in draft are posted. A crash or a
timeout between the create and the post leaves drafts that the next attempt, batched or
not, finds by their references and posts; Tryton applies a `create` of many records in
one transaction, so a batch is created whole or not at all.

A document Tryton refuses is that document's outcome, not the batch's: a batch `create`
or `post` that Tryton refuses is retried one document at a time, so the others go
through and the refusal names the document. An outage fails the whole batch (raised):
every caller retries later and finds what was created.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, Protocol

from accord.canonical.v1 import Invoice
from accord.connectors.sdk import BatchOutcome, PostedDocument, RejectedError
from accord.connectors.tryton import mapping
from accord.connectors.tryton.ids import ExternalIdMap
from accord.connectors.tryton.mapping import INVOICE, POSTABLE_STATES
from accord.connectors.tryton.rpc import TrytonRpc


class InvoiceWriter(Protocol):
    """What a batch needs of `TrytonErpConnector`: its session and id map, and how it
    builds, and posts, one invoice."""

    ids: ExternalIdMap
    rpc: TrytonRpc

    def party_accounts(self, customer_id: str) -> mapping.PartyAccounts: ...

    def invoice_values(
        self,
        invoice: Invoice,
        idempotency_key: str,
        party: Callable[[str], mapping.PartyAccounts],
    ) -> dict[str, Any]: ...

    def post_drafts(self, invoices: list[int]) -> None: ...


class TrytonBatchPosting:
    """`BatchPosting` for Tryton (see the module docs)."""

    def __init__(self, connector: InvoiceWriter) -> None:
        self._erp = connector
        self._rpc = connector.rpc

    def post_invoices(self, batch: Sequence[tuple[Invoice, str]]) -> list[BatchOutcome]:
        """Post each (document, idempotency key) once; one outcome per document, in
        order: the `PostedDocument` with Tryton's totals, or the `RejectedError` that
        refused it (a document named twice is posted once and answered twice). Raises
        `UnavailableError` when Tryton did not answer."""
        first: dict[str, int] = {}
        for index, (invoice, _) in enumerate(batch):
            first.setdefault(invoice.business_key(), index)
        distinct = [batch[index] for index in first.values()]
        outcomes = dict(zip(first, self._post_distinct(distinct), strict=True))
        return [outcomes[invoice.business_key()] for invoice, _ in batch]

    def _post_distinct(self, batch: Sequence[tuple[Invoice, str]]) -> list[BatchOutcome]:
        refused: dict[int, RejectedError] = {}
        held = self._existing(batch)
        held |= self._create(batch, held, refused)
        for index, record in held.items():
            self._erp.ids.put("invoice", batch[index][1], record)
        refused |= self._post(held)
        records = self._rpc.model(INVOICE, "read", sorted(set(held.values())), mapping.TOTAL_FIELDS)
        by_id = {record["id"]: record for record in records}
        return [
            refused[index] if index in refused else self._posted(invoice, by_id[held[index]])
            for index, (invoice, _) in enumerate(batch)
        ]

    def _existing(self, batch: Sequence[tuple[Invoice, str]]) -> dict[int, int]:
        """The documents Tryton already holds, by position: the id map's, then those a
        search by reference finds (an earlier attempt, another worker)."""
        held: dict[int, int] = {}
        for index, (_, key) in enumerate(batch):
            if (known := self._erp.ids.get("invoice", key)) is not None:
                held[index] = known
        missing = {invoice.business_key(): i for i, (invoice, _) in enumerate(batch)}
        missing = {reference: i for reference, i in missing.items() if i not in held}
        if missing:
            domain = [("type", "=", "out"), ("reference", "in", sorted(missing))]
            found = self._rpc.model(INVOICE, "search_read", domain, 0, None, None, ["reference"])
            held |= {missing[record["reference"]]: record["id"] for record in found}
        return held

    def _create(
        self,
        batch: Sequence[tuple[Invoice, str]],
        held: dict[int, int],
        refused: dict[int, RejectedError],
    ) -> dict[int, int]:
        """Create the documents Tryton does not hold, in one call; those it cannot take
        go to `refused`. A refused batch is created one document at a time."""
        party = cache(self._erp.party_accounts)
        values: dict[int, dict[str, Any]] = {}
        for index, (invoice, key) in enumerate(batch):
            if index in held:
                continue
            try:
                values[index] = self._erp.invoice_values(invoice, key, party)
            except RejectedError as error:
                refused[index] = error
        if not values:
            return {}
        try:
            created = self._rpc.model(INVOICE, "create", list(values.values()), retry_safe=False)
            return dict(zip(values, map(int, created), strict=True))
        except RejectedError as error:
            if len(values) == 1:
                refused |= dict.fromkeys(values, error)
                return {}
        return self._create_one_by_one(values, refused)

    def _create_one_by_one(
        self, values: dict[int, dict[str, Any]], refused: dict[int, RejectedError]
    ) -> dict[int, int]:
        created: dict[int, int] = {}
        for index, one in values.items():
            try:
                (created[index],) = self._rpc.model(INVOICE, "create", [one], retry_safe=False)
            except RejectedError as error:
                refused[index] = error
        return created

    def _post(self, held: dict[int, int]) -> dict[int, RejectedError]:
        """Post every held document still in draft, in one call; a refused batch is
        posted one document at a time. The refusals, by position."""
        ids = sorted(set(held.values()))
        states = self._rpc.model(INVOICE, "read", ids, ["state"])
        drafts = [record["id"] for record in states if record["state"] in POSTABLE_STATES]
        if not drafts:
            return {}
        positions: dict[int, list[int]] = {}
        for index, record in held.items():
            positions.setdefault(record, []).append(index)
        try:
            self._erp.post_drafts(drafts)
            return {}
        except RejectedError as error:
            if len(drafts) == 1:
                return dict.fromkeys(positions[drafts[0]], error)
        refused: dict[int, RejectedError] = {}
        for draft in drafts:
            try:
                self._erp.post_drafts([draft])
            except RejectedError as error:
                refused |= dict.fromkeys(positions[draft], error)
        return refused

    @staticmethod
    def _posted(invoice: Invoice, record: dict[str, Any]) -> PostedDocument:
        return PostedDocument(
            external_id=str(record["id"]),
            number=invoice.business_key(),
            status=record["state"],
            totals=mapping.posted_totals(record, invoice),
        )
