"""A simulated NetSuite account served in-process, and connectors that never really sleep."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from accord.connectors.sdk.testing import FakeSleep
from accord.simulators.netsuite import Account, Simulator, create_app
from tests.connectors.simulated import settings_builder, transport_fixture

BASE_URL = "https://1234567.suitetalk.api.netsuite.test"


@pytest.fixture(scope="session")
def key_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The integration's private key file and the mapped certificate's public key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path_factory.mktemp("netsuite") / "m2m.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return path, public.decode()


@dataclass
class AccountClock:
    """The simulated account's clock as a test moves it: each reading is the next of
    `moments`, real time while there are none."""

    moments: Iterator[dt.datetime] | None = None

    def __call__(self) -> dt.datetime:
        return next(self.moments) if self.moments is not None else dt.datetime.now(dt.UTC)

    def stand_at(self, moment: dt.datetime) -> None:
        self.moments = itertools.repeat(moment)


@pytest.fixture
def account_clock() -> AccountClock:
    return AccountClock()


@pytest.fixture
def simulator(
    key_pair: tuple[Path, str], fake_sleep: FakeSleep, account_clock: AccountClock
) -> Simulator:
    account = Account(now=account_clock)
    return Simulator(account=account, public_key=key_pair[1], clock=fake_sleep.clock)


transport = transport_fixture(create_app, BASE_URL)


@pytest.fixture
def config_for(
    simulator: Simulator,
    transport: httpx.BaseTransport,
    fake_sleep: FakeSleep,
    key_pair: tuple[Path, str],
) -> Callable[..., dict[str, Any]]:
    """Connector settings for the simulated account, with `extra` on top."""
    return settings_builder(
        BASE_URL,
        transport,
        fake_sleep,
        client_id=simulator.client_id,
        certificate_id=simulator.certificate_id,
        private_key_file=str(key_pair[0]),
    )
