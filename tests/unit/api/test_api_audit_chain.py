"""The audit chain verifies intact logs, survives purges, and names the row tampered with."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from accord.application.audit import GENESIS, AuditEntry, AuditRecord, AuditTrail, verify


class FakeAuditLog:
    def __init__(self) -> None:
        self.rows: list[AuditRecord] = []
        self.head_pointer = (0, GENESIS)

    def append(self, entry: AuditEntry, at: datetime) -> AuditRecord:
        from accord.application.audit import digest, row_hash

        seq, previous = self.head_pointer[0] + 1, self.head_pointer[1]
        before, after = digest(entry.before), digest(entry.after)
        record = AuditRecord(
            seq,
            at,
            entry.actor,
            entry.action,
            entry.subject,
            entry.correlation_id,
            entry.before,
            entry.after,
            before,
            after,
            previous,
            row_hash(previous, seq, at, entry, before, after),
        )
        self.rows.append(record)
        self.head_pointer = (seq, record.hash)
        return record

    def records(self, after_seq: int = 0, limit: int | None = None) -> list[AuditRecord]:
        found = [row for row in self.rows if row.seq > after_seq]
        return found[:limit] if limit is not None else found

    def head(self) -> tuple[int, str]:
        return self.head_pointer


def _trail() -> tuple[AuditTrail, FakeAuditLog]:
    log = FakeAuditLog()
    start = datetime(2024, 1, 1, tzinfo=UTC)
    ticks = iter(start + timedelta(minutes=n) for n in range(100))
    trail = AuditTrail(log, clock=lambda: next(ticks))
    for n in range(5):
        trail.record(
            "oidc:alice",
            "exception.skip",
            f"exception:{n}",
            before={"status": "open"},
            after={"status": "skipped", "salary": "90000"},
            correlation_id=f"c{n}",
        )
    return trail, log


def test_an_untouched_trail_verifies() -> None:
    trail, _ = _trail()
    assert trail.verify().ok and trail.verify(page_size=2).checked == 5


def test_changing_any_field_of_a_row_is_detected_at_that_row() -> None:
    for field, value in [
        ("actor", "oidc:mallory"),
        ("after", {"status": "open"}),
        ("at", datetime(2020, 1, 1, tzinfo=UTC)),
    ]:
        trail, log = _trail()
        log.rows[2] = dataclasses.replace(log.rows[2], **{field: value})
        result = trail.verify()
        assert not result.ok and result.broken_at == 3, field


def test_deleting_a_row_or_the_tail_is_detected() -> None:
    trail, log = _trail()
    del log.rows[1]
    assert trail.verify().broken_at == 2
    trail, log = _trail()
    del log.rows[-1]
    result = trail.verify()
    assert not result.ok and result.broken_at == 5 and "missing" in (result.reason or "")


def test_a_purged_row_keeps_its_digests_so_the_chain_still_verifies() -> None:
    _, log = _trail()
    log.rows[0] = dataclasses.replace(
        log.rows[0], before=None, after=None, purged_at=datetime(2025, 1, 1, tzinfo=UTC)
    )
    assert verify(log.records(), log.head()).ok


class BusyAuditLog(FakeAuditLog):
    """A log another writer appends to right after its head was read, as on a live hub."""

    def head(self) -> tuple[int, str]:
        head = self.head_pointer
        entry = AuditEntry("flow:post:INV-1", "document.posted", "INV-1", None, None, "c")
        self.append(entry, datetime(2024, 2, 1, tzinfo=UTC))
        return head


def test_rows_appended_while_the_chain_is_verified_are_left_to_the_next_check() -> None:
    log = BusyAuditLog()
    trail = AuditTrail(log, clock=lambda: datetime(2024, 1, 1, tzinfo=UTC))
    trail.record("oidc:alice", "exception.skip", "exception:1", correlation_id="c1")

    result = trail.verify()

    assert result.ok, result.reason
    assert result.checked == 1 and len(log.rows) > 1


def test_a_head_moved_back_over_rows_still_there_is_detected() -> None:
    trail, log = _trail()
    log.head_pointer = (3, log.rows[2].hash)

    result = trail.verify()

    assert not result.ok and result.broken_at == 4 and "around the chain head" in str(result.reason)
