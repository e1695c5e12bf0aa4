"""Posting flows that run at once share the ERP's batch calls, and each still gets its
own document's outcome: posted, refused, or the outage that failed the whole batch."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from accord.application.posting_batch import PostingBatcher
from accord.connectors.sdk import PostedDocument, RejectedError, UnavailableError


@dataclass
class Invoice:
    number: str


@dataclass
class BatchErp:
    """Posts batches; the first one waits until `release` is set, so others queue up.
    Refuses the numbers in `refuse`; fails whole batches while `down`."""

    refuse: set[str] = field(default_factory=set)
    down: bool = False
    release: threading.Event = field(default_factory=threading.Event)
    batches: list[list[str]] = field(default_factory=list)
    sending: threading.Event = field(default_factory=threading.Event)

    def post_invoices(self, batch: Sequence[tuple[Any, str]]) -> list[Any]:
        self.batches.append([key for _, key in batch])
        self.sending.set()
        self.release.wait(timeout=60)
        if self.down:
            raise UnavailableError("erp: unreachable")
        return [
            RejectedError(422, "", reason=f"{inv.number} refused")
            if inv.number in self.refuse
            else PostedDocument(f"id-{inv.number}", inv.number, "posted")
            for inv, _ in batch
        ]


def _post_at_once(batcher: PostingBatcher, erp: BatchErp, numbers: list[str]) -> dict[str, Any]:
    """The first number posts alone; the others are queued while its batch is sent."""
    outcomes: dict[str, Any] = {}

    def post(number: str) -> None:
        try:
            outcomes[number] = batcher.post_invoice(Invoice(number), f"key:{number}")  # type: ignore[arg-type]
        except Exception as error:
            outcomes[number] = error

    first = threading.Thread(target=post, args=(numbers[0],))
    first.start()
    assert erp.sending.wait(timeout=60)
    others = [threading.Thread(target=post, args=(n,)) for n in numbers[1:]]
    for thread in others:
        thread.start()
    while batcher.waiting < len(others):  # every other one queued
        threading.Event().wait(0.01)
    erp.release.set()
    for thread in [first, *others]:
        thread.join(timeout=60)
    return outcomes


def test_documents_queued_while_a_batch_is_sent_go_together_in_the_next() -> None:
    erp = BatchErp()
    numbers = [f"INV-{n}" for n in range(1, 8)]

    outcomes = _post_at_once(PostingBatcher(erp), erp, numbers)

    assert erp.batches == [["key:INV-1"], [f"key:{n}" for n in numbers[1:]]]
    assert {n: o.external_id for n, o in outcomes.items()} == {n: f"id-{n}" for n in numbers}


def test_a_refused_document_fails_alone_and_the_rest_of_its_batch_is_posted() -> None:
    erp = BatchErp(refuse={"INV-3"})

    outcomes = _post_at_once(PostingBatcher(erp), erp, ["INV-1", "INV-2", "INV-3", "INV-4"])

    assert isinstance(outcomes.pop("INV-3"), RejectedError)
    assert {o.status for o in outcomes.values()} == {"posted"}


def test_an_outage_fails_every_document_of_the_batch_to_be_retried() -> None:
    erp = BatchErp(down=True)

    outcomes = _post_at_once(PostingBatcher(erp), erp, ["INV-1", "INV-2", "INV-3"])

    assert all(isinstance(o, UnavailableError) and o.retryable for o in outcomes.values())


def test_batches_never_exceed_their_size() -> None:
    erp = BatchErp()

    _post_at_once(PostingBatcher(erp, size=2), erp, [f"INV-{n}" for n in range(1, 7)])

    assert [len(batch) for batch in erp.batches] == [1, 2, 2, 1]


def test_a_document_alone_is_sent_at_once() -> None:
    erp = BatchErp()
    erp.release.set()

    posted = PostingBatcher(erp).post_invoice(Invoice("INV-9"), "key:INV-9")  # type: ignore[arg-type]

    assert posted.number == "INV-9" and erp.batches == [["key:INV-9"]]


def test_an_answer_of_the_wrong_length_fails_the_batch_rather_than_mixing_outcomes() -> None:
    class Short(BatchErp):
        def post_invoices(self, batch: Sequence[tuple[Any, str]]) -> list[Any]:
            return super().post_invoices(batch)[:-1]

    erp = Short()
    erp.release.set()

    with pytest.raises(RuntimeError, match="answered 0 outcomes"):
        PostingBatcher(erp).post_invoice(Invoice("INV-9"), "key:INV-9")  # type: ignore[arg-type]
