"""Posting flows that run at the same time share ERP calls: a group commit.

An invoice run starts one posting flow per document, and the flows run concurrently. Each
flow's ERP step still asks for its own document (`post_invoice`, same key, same outcome),
but when the ERP offers `BatchPosting` the calls waiting at the same moment travel
together: one flow sends every document queued so far in one batch while the others
wait, and the documents queued meanwhile go in the next batch. A flow alone sends a
batch of one at once; nobody waits for a batch to fill.

Each flow gets its own document's outcome: the `PostedDocument`, or the failure that
refused it raised as `post_invoice` would raise it. A batch that failed as a whole (the
ERP was unreachable) fails every document in it, and each flow retries on its own.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from accord.application.gateways import BatchPosting, PostedDocument
from accord.canonical.v1 import Invoice

DEFAULT_BATCH_SIZE = 100
"""Documents per batch at most: large enough to share the calls, small enough that one
call stays well within the ERP's timeout."""


@dataclass
class _Request:
    invoice: Invoice
    key: str
    outcome: PostedDocument | BaseException | None = None
    settled: bool = field(default=False)

    def result(self) -> PostedDocument:
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        assert self.outcome is not None
        return self.outcome


class PostingBatcher:
    """`post_invoice` for many threads at once over a `BatchPosting` (see module docs)."""

    def __init__(self, batch: BatchPosting, size: int = DEFAULT_BATCH_SIZE) -> None:
        self._batch = batch
        self._size = size
        self._ready = threading.Condition()
        self._queued: list[_Request] = []
        self._sending = False
        self.batches: list[int] = []
        """The size of every batch sent, in order (what the flows shared)."""

    @property
    def waiting(self) -> int:
        """Documents queued for the next batch."""
        with self._ready:
            return len(self._queued)

    def post_invoice(self, invoice: Invoice, idempotency_key: str) -> PostedDocument:
        """Post one document, in the batch that is sent next."""
        request = _Request(invoice, idempotency_key)
        with self._ready:
            self._queued.append(request)
            while not request.settled:
                if self._sending:
                    self._ready.wait()
                    continue
                self._sending = True
                batch, self._queued = self._queued[: self._size], self._queued[self._size :]
                try:
                    self._ready.release()
                    try:
                        self._send(batch)
                    finally:
                        self._ready.acquire()
                finally:
                    self._sending = False
                    self._ready.notify_all()
        return request.result()

    def _send(self, batch: list[_Request]) -> None:
        """Send one batch and settle each request with its own outcome."""
        self.batches.append(len(batch))
        try:
            outcomes: Sequence[PostedDocument | BaseException] = self._batch.post_invoices(
                [(request.invoice, request.key) for request in batch]
            )
        except Exception as error:
            outcomes = [error] * len(batch)
        if len(outcomes) != len(batch):
            mismatch = RuntimeError(f"a batch of {len(batch)} answered {len(outcomes)} outcomes")
            outcomes = [mismatch] * len(batch)
        for request, outcome in zip(batch, outcomes, strict=True):
            request.outcome, request.settled = outcome, True
