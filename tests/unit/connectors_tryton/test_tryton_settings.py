"""The landscape's `timeout_seconds`, `retry` and `limits` for the ERP reach the Tryton
connector's calls: attempts per read, a create sent once whatever the retry budget, the
timeout on every call, and one concurrency limit over reads and writes together."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from accord.connectors.sdk import UnavailableError
from accord.connectors.tryton import TrytonErpConnector, connector_factory
from accord.landscape import load_landscape

LANDSCAPE = """\
version: 1
sandbox: {}
systems:
  erp:
    connector: tryton
    base_url: http://tryton.test
    timeout_seconds: 7.5
    retry: {max_attempts: 3, base_delay_seconds: 0.001}
    limits: {max_concurrency: 1, requests_per_second: 1000}
    settings: {database: accord, login: admin, password: {env: TEST_TRYTON_SECRET}}
"""


class Tryton:
    """Answers logins and every other call after `delay` seconds; `down` methods answer
    503. Records each call's method and timeout and the most calls seen in flight."""

    def __init__(self, down: tuple[str, ...] = (), delay: float = 0.0) -> None:
        self.down, self.delay = down, delay
        self.calls: list[str] = []
        self.timeouts: set[float] = set()
        self.in_flight = self.most_in_flight = 0
        self._lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        with self._lock:
            self.calls.append(body["method"])
            self.timeouts.add(request.extensions["timeout"]["read"])
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        time.sleep(self.delay)
        with self._lock:
            self.in_flight -= 1
        if body["method"] in self.down:
            return httpx.Response(503)
        answers: dict[str, Any] = {"common.db.login": [1, "token"]}
        result = answers.get(body["method"], {} if "preferences" in body["method"] else [42])
        return httpx.Response(200, json={"id": body["id"], "result": result})


def _connector(tmp_path: Path, server: Tryton, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("TEST_TRYTON_SECRET", "s3cret")
    path = tmp_path / "landscape.yaml"
    path.write_text(LANDSCAPE)
    config = load_landscape(path).connector_config("systems.erp")
    built = connector_factory(config)
    return TrytonErpConnector(built.settings, transport=httpx.MockTransport(server))


def test_reads_get_the_landscapes_attempts_and_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = Tryton(down=("model.party.party.search",))
    erp = _connector(tmp_path, server, monkeypatch)

    with pytest.raises(UnavailableError):
        erp.rpc.model("party.party", "search", [], 0, 1, None)

    assert server.calls.count("model.party.party.search") == 3
    assert server.timeouts == {7.5}


def test_a_create_is_sent_once_whatever_the_retry_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = Tryton(down=("model.party.party.create",))
    erp = _connector(tmp_path, server, monkeypatch)

    with pytest.raises(UnavailableError):
        erp.rpc.model("party.party", "create", [{}], retry_safe=False)

    assert server.calls.count("model.party.party.create") == 1


def test_reads_and_writes_share_one_concurrency_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = Tryton(delay=0.02)
    erp = _connector(tmp_path, server, monkeypatch)
    erp.rpc.login()

    def read() -> None:
        erp.rpc.model("party.party", "search", [], 0, 1, None)

    def create() -> None:
        erp.rpc.model("party.party", "create", [{}], retry_safe=False)

    threads = [threading.Thread(target=call) for call in (read, create) * 4]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(server.calls) == 2 + 8  # the login and preferences, then the eight calls
    assert server.most_in_flight == 1


def test_settings_left_out_keep_the_connectors_defaults() -> None:
    built = connector_factory(
        {"base_url": "http://tryton.test", "database": "d", "login": "l", "password": "p"}
    )

    settings = built.settings
    assert (settings.timeout, settings.max_attempts, settings.base_delay) == (30.0, 6, 0.2)
    assert settings.max_concurrency is None and settings.requests_per_second is None
    built.close()
