"""The standard test suite every connector's tests inherit.

    class TestSandboxErp(ConnectorContract):
        @pytest.fixture
        def connector(self, running_erp): ...           # a connector against a live system
        @pytest.fixture
        def connector_config(self, running_erp): ...    # what check() is given
        @pytest.fixture
        def idempotent_writes(self, connector): ...     # one IdempotentWrite per writer port
        @pytest.fixture
        def stream_cases(self, connector): ...          # one StreamCase per stream
        @pytest.fixture
        def throttled_burst(self, ...): ...             # a ThrottledBurst, or pytest.skip

Each standard test asserts a business promise of the SDK: a healthy system passes its
check, writing the same business object twice leaves one record, a stream resumed from a
cursor loses and duplicates nothing, a burst against a throttling system applies every
write exactly once, and each listing port (`LISTING_PORTS`, read-only, so it needs no
`IdempotentWrite`) reads records keyed by their business key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest

from accord.canonical.streams import Cursor, Stream
from accord.connectors.sdk.connector import (
    LISTING_PORTS,
    SYSTEMS,
    CheckResult,
    Connector,
    read_all,
)

_LISTING_METHODS = {
    "ContractListing": "contract_records",
    "ProjectListing": "project_records",
    "PaymentListing": "payment_records",
}


@dataclass(frozen=True)
class IdempotentWrite:
    """One write of one new business object through the writer of `port`.

    `write` performs the write (it is called twice with the same object); `count` returns
    how many records of that kind the system holds, read back from the system itself.
    """

    port: str
    name: str
    write: Callable[[], object]
    count: Callable[[], int]


@dataclass(frozen=True)
class StreamCase:
    """How to exercise the stream called `stream`.

    `seed(n)` creates n new records in the system that the stream must deliver and returns
    their business keys; `key(record)` gives the business key of a delivered record.
    """

    stream: str
    seed: Callable[[int], Sequence[str]]
    key: Callable[[Any], str]


@dataclass(frozen=True)
class ThrottledBurst:
    """A burst of `size` distinct writes against a system that throttles (HTTP 429).

    `write(i)` writes the i-th object; `count()` reads back how many such objects exist.
    """

    write: Callable[[int], object]
    count: Callable[[], int]
    size: int = 20
    workers: int = 8


class ConnectorContract:
    """Standard tests; a subclass provides the fixtures named in the module docs."""

    page_size = 2

    @pytest.fixture
    def unreachable_config(self) -> Mapping[str, Any] | None:
        """A config pointing at no running system; override to test check() failing."""
        return None

    def test_declares_a_name_a_system_and_unique_streams(self, connector: Connector) -> None:
        assert connector.name, "a connector needs the name it is registered under"
        assert connector.system in SYSTEMS
        names = [stream.name for stream in connector.streams()]
        assert len(names) == len(set(names)), f"stream names must be unique: {names}"
        assert all(isinstance(port, str) and port for port in connector.ports())

    def test_a_healthy_system_passes_its_check_and_lists_its_records(
        self, connector: Connector, connector_config: Mapping[str, Any]
    ) -> None:
        result = connector.check(connector_config)

        assert isinstance(result, CheckResult)
        assert result.ok, f"check() failed on a healthy system: {result.message}"
        for port, listing in connector.ports().items():
            if port in LISTING_PORTS:
                records = list(getattr(listing, _LISTING_METHODS[port])())
                assert all(getattr(record, "key", None) for record in records), (
                    f"{port}: every record needs the business key it is compared on"
                )

    def test_check_explains_an_unreachable_system(
        self, connector: Connector, unreachable_config: Mapping[str, Any] | None
    ) -> None:
        if unreachable_config is None:
            pytest.skip("the connector's tests provide no unreachable_config")

        result = connector.check(unreachable_config)

        assert not result.ok
        assert result.message, "a failed check must tell the operator what is wrong"

    def test_every_writer_is_idempotent(
        self, connector: Connector, idempotent_writes: Sequence[IdempotentWrite]
    ) -> None:
        ports = set(connector.ports()) - set(LISTING_PORTS)
        uncovered = ports - {case.port for case in idempotent_writes}
        assert not uncovered, f"give an IdempotentWrite for every writer port: {uncovered}"
        for case in idempotent_writes:
            before = case.count()
            first = case.write()
            after_first = case.count()
            second = case.write()
            after_second = case.count()

            assert after_first == before + 1, f"{case.name}: the first write must add one"
            assert after_second == after_first, f"{case.name}: a repeated write duplicated"
            if first is not None and second is not None:
                assert first == second, f"{case.name}: a repeat must return the same result"

    def test_streams_resume_from_a_cursor_without_loss_or_duplicates(
        self, connector: Connector, stream_cases: Sequence[StreamCase]
    ) -> None:
        streams = {stream.name: stream for stream in connector.streams()}
        if not streams:
            pytest.skip("the connector declares no streams")
        uncovered = set(streams) - {case.stream for case in stream_cases}
        assert not uncovered, f"give a StreamCase for every stream: {uncovered}"
        for case in stream_cases:
            self._check_resume(streams[case.stream], case)

    def _check_resume(self, stream: Stream, case: StreamCase) -> None:
        cursor = self._drain(stream, None)
        seeded = list(case.seed(5))

        first = stream.read(cursor, self.page_size)
        replayed = stream.read(cursor, self.page_size)
        assert {case.key(r) for r in first.records} == {case.key(r) for r in replayed.records}, (
            f"{stream.name}: reading again from the same cursor must give the same records"
        )
        delivered = [case.key(r) for r in first.records]
        after = first.next_cursor or cursor
        if first.has_more:
            for page in read_all(stream, after, self.page_size):
                delivered.extend(case.key(r) for r in page.records)
                after = page.next_cursor or after
        ours = [key for key in delivered if key in set(seeded)]
        assert sorted(ours) == sorted(seeded), f"{stream.name}: lost or duplicated records"

        later = list(case.seed(2))
        resumed = [case.key(r) for page in read_all(stream, after, 50) for r in page.records]
        assert sorted(key for key in resumed if key in set(seeded) | set(later)) == sorted(later), (
            f"{stream.name}: resuming from the last cursor must give only the new records"
        )

    @staticmethod
    def _drain(stream: Stream, cursor: Cursor | None) -> Cursor | None:
        for page in read_all(stream, cursor, 100):
            cursor = page.next_cursor or cursor
        return cursor

    def test_a_throttled_burst_applies_every_write_once(
        self, throttled_burst: ThrottledBurst
    ) -> None:
        burst = throttled_burst
        before = burst.count()
        twice = [index for index in range(burst.size) for _ in range(2)]

        with ThreadPoolExecutor(max_workers=burst.workers) as pool:
            list(pool.map(burst.write, twice))

        assert burst.count() == before + burst.size
