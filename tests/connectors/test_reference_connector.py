"""The standard connector suite run against a small reference connector.

The reference system is an in-process customer directory behind `FakeHttpServer`: it
upserts by external id, lists changes after a sequence number, and can throttle. The
connector is the smallest complete use of the SDK, and a second class proves that the
suite catches a connector that duplicates on replay.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from itertools import count
from typing import Any

import httpx
import pytest

from accord.connectors.sdk import (
    CheckResult,
    Cursor,
    ExternalIdUpsert,
    HttpClient,
    Page,
    RetryPolicy,
    Stream,
    System,
    UnavailableError,
    decode_cursor,
    encode_cursor,
)
from accord.connectors.sdk.testing import FakeClock, FakeHttpServer, FakeSleep
from accord.connectors.sdk.testing.suite import (
    ConnectorContract,
    IdempotentWrite,
    StreamCase,
    ThrottledBurst,
)

API_KEY = "reference-key"


class CustomerDirectory:
    """The reference system: customers keyed by external id, a change sequence, throttling."""

    def __init__(self, throttle_every: int = 0) -> None:
        self.customers: dict[str, dict[str, Any]] = {}
        self.throttle_every = throttle_every
        self._seq = count(1)
        self._requests = 0
        self._lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self._requests += 1
            if request.headers.get("X-Api-Key") != API_KEY:
                return httpx.Response(401, json={"title": "unknown API key"})
            if self.throttle_every and self._requests % self.throttle_every == 0:
                return httpx.Response(429, headers={"Retry-After": "1"})
            if request.url.path == "/health":
                return httpx.Response(200, json={"status": "ok"})
            if request.method == "PUT":
                return self._upsert(request)
            return self._changes(request)

    def _upsert(self, request: httpx.Request) -> httpx.Response:
        external_id = request.url.path.rsplit("eid:", 1)[1]
        body = httpx.Response(200, content=request.content).json()
        self.customers[external_id] = {"external_id": external_id, **body, "seq": next(self._seq)}
        return httpx.Response(200, json={"id": f"CUS-{external_id}"})

    def _changes(self, request: httpx.Request) -> httpx.Response:
        after = int(request.url.params.get("after", "0"))
        limit = int(request.url.params["limit"])
        newer = sorted(
            (c for c in self.customers.values() if c["seq"] > after), key=lambda c: c["seq"]
        )
        return httpx.Response(200, json={"items": newer[:limit], "has_more": len(newer) > limit})


class CustomerStream:
    name = "customers"

    def __init__(self, client: HttpClient) -> None:
        self._client = client

    def read(self, cursor: Cursor | None, limit: int) -> Page[dict[str, Any]]:
        after = decode_cursor(cursor).get("after", 0)
        body = self._client.get("/customers", params={"after": after, "limit": limit}).json()
        items = body["items"]
        next_cursor = encode_cursor({"after": items[-1]["seq"]}) if items else cursor
        return Page(items, next_cursor, body["has_more"])


class CustomerWriter:
    def __init__(self, client: HttpClient) -> None:
        self._client = client

    def upsert_customer(self, customer_id: str, name: str) -> str:
        upsert = ExternalIdUpsert("reference", "customers", customer_id, {"name": name})
        return str(upsert.send(self._client).json()["id"])


class ReferenceConnector:
    name = "reference-crm"
    system: System = "crm"

    def __init__(self, client: HttpClient) -> None:
        self.client = client

    def check(self, config: Mapping[str, Any]) -> CheckResult:
        probe = HttpClient(
            str(config["base_url"]),
            connector=self.name,
            headers={"X-Api-Key": str(config["api_key"])},
            retry=RetryPolicy(max_attempts=1),
            transport=config.get("transport"),
        )
        try:
            with probe:
                probe.get("/health")
        except UnavailableError as error:
            return CheckResult(False, f"cannot reach {config['base_url']}: {error.reason}")
        return CheckResult(True, "reachable, API key accepted")

    def streams(self) -> list[Stream]:
        return [CustomerStream(self.client)]

    def ports(self) -> dict[str, object]:
        return {"CustomerWriter": CustomerWriter(self.client)}


def connect(system: CustomerDirectory, clock: FakeClock) -> ReferenceConnector:
    client = HttpClient(
        "https://directory.test",
        connector="reference-crm",
        headers={"X-Api-Key": API_KEY},
        retry=RetryPolicy(max_attempts=6, base_delay=0.1, jitter=0.5),
        max_concurrency=4,
        transport=FakeHttpServer(system),
        clock=clock,
        sleep=FakeSleep(clock),
    )
    return ReferenceConnector(client)


class TestReferenceConnector(ConnectorContract):
    @pytest.fixture
    def system(self) -> CustomerDirectory:
        return CustomerDirectory()

    @pytest.fixture
    def connector(self, system: CustomerDirectory) -> ReferenceConnector:
        return connect(system, FakeClock())

    @pytest.fixture
    def connector_config(self, system: CustomerDirectory) -> Mapping[str, Any]:
        return {
            "base_url": "https://directory.test",
            "api_key": API_KEY,
            "transport": FakeHttpServer(system),
        }

    @pytest.fixture
    def unreachable_config(self) -> Mapping[str, Any]:
        return {
            "base_url": "https://directory.test",
            "api_key": API_KEY,
            "transport": FakeHttpServer().refuse_connection(),
        }

    @pytest.fixture
    def idempotent_writes(
        self, connector: ReferenceConnector, system: CustomerDirectory
    ) -> Sequence[IdempotentWrite]:
        writer = connector.ports()["CustomerWriter"]
        assert isinstance(writer, CustomerWriter)
        return [
            IdempotentWrite(
                port="CustomerWriter",
                name="upsert_customer",
                write=lambda: writer.upsert_customer("C1", "Nordwind AG"),
                count=lambda: len(system.customers),
            )
        ]

    @pytest.fixture
    def stream_cases(
        self, connector: ReferenceConnector, system: CustomerDirectory
    ) -> Sequence[StreamCase]:
        writer = CustomerWriter(connector.client)
        numbers = count(1)

        def seed(n: int) -> list[str]:
            keys = [f"S{next(numbers)}" for _ in range(n)]
            for key in keys:
                writer.upsert_customer(key, f"Customer {key}")
            return keys

        return [StreamCase("customers", seed, key=lambda record: str(record["external_id"]))]

    @pytest.fixture
    def throttled_burst(self) -> ThrottledBurst:
        system = CustomerDirectory(throttle_every=3)
        writer = CustomerWriter(connect(system, FakeClock()).client)
        return ThrottledBurst(
            write=lambda i: writer.upsert_customer(f"B{i}", f"Burst {i}"),
            count=lambda: len(system.customers),
        )


class DuplicatingDirectory(CustomerDirectory):
    """A broken system that creates a new record on every write, ignoring the external id."""

    def _upsert(self, request: httpx.Request) -> httpx.Response:
        external_id = request.url.path.rsplit("eid:", 1)[1]
        seq = next(self._seq)
        self.customers[f"{external_id}#{seq}"] = {"external_id": external_id, "seq": seq}
        return httpx.Response(200, json={"id": f"CUS-{seq}"})


def test_the_suite_catches_a_writer_that_duplicates() -> None:
    system = DuplicatingDirectory()
    writer = CustomerWriter(connect(system, FakeClock()).client)
    case = IdempotentWrite(
        "CustomerWriter",
        "upsert",
        lambda: writer.upsert_customer("C1", "N"),
        lambda: len(system.customers),
    )

    with pytest.raises(AssertionError, match="duplicated"):
        TestReferenceConnector().test_every_writer_is_idempotent(
            connect(system, FakeClock()), [case]
        )
