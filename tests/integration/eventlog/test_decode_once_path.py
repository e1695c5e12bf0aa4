"""A time entry is decoded and validated once on its whole way to billing.

From the PSA connector's validated `TimeEntry` through ingest, the event log, the worker
and the applied records into billing's catch-up, on the embedded store (SQLite): every
JSON decode of text holding the entry, every validation of a `TimeEntry` and every JSON
encoding of one is counted per entry and per hop. Billing reads the stored row once,
with pydantic's one pass from JSON to the typed model; nothing before it parses the
record back, and nothing after the connector's event encodes it again. An event
delivered as JSON is decoded and validated at ingest as well, where an invalid one is
quarantined, and not again before billing. (Billing then encodes its own state rows,
the domain's entry rather than the canonical record: not counted here.)
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pydantic_core
import pytest

from accord.adapters.billing_store import SqlAlchemyCursorStore
from accord.application import ingest
from accord.application.inbound_sync import InboundSync, SourceStream, event_for
from accord.bootstrap import Hub, build_hub
from accord.canonical import v1
from accord.canonical.base import CanonicalModel
from accord.canonical.envelope import CloudEvent
from accord.canonical.streams import Cursor, Page
from accord.settings import Settings

ENTRIES = [f"TE-{n:04d}" for n in range(1, 5)]
COUNTED = {
    "ingest": ("decode", "validate", "encode"),
    "worker": ("decode", "validate", "encode"),
    "billing": ("decode", "validate"),
}


def _entry(entry_id: str) -> v1.TimeEntry:
    return v1.TimeEntry(
        id=entry_id,
        contract="K1",
        term="TM",
        resource="R1",
        date=date(2026, 3, 2),
        hours=Decimal("7.25"),
        updated_at=datetime(2026, 3, 2, 18, tzinfo=UTC),
    )


def _master_data() -> list[CanonicalModel]:
    rate = v1.RoleRate(role="consultant", rate=Decimal(150), valid_from=date(2026, 1, 1))
    return [
        v1.LegalEntity(id="DE01", name="Beispiel Beratung GmbH", country="DE", currency="EUR"),
        v1.Customer(id="C01", name="Nordwind AG", country="DE"),
        v1.Resource(
            id="R1",
            name="Ada Lovelace",
            role="consultant",
            employment=[v1.Employment(entity="DE01", valid_from=date(2024, 1, 1))],
        ),
        v1.Contract(
            id="K1",
            customer="C01",
            entity="DE01",
            currency="EUR",
            start=date(2026, 1, 1),
            terms=[v1.TimeAndMaterialsTerm(type="time_and_materials", id="TM", rates=[rate])],
            status=v1.ContractStatus.ACTIVE,
            signed_on=date(2026, 1, 1),
        ),
    ]


@dataclass
class Tally:
    """Decodes, validations and encodings of each entry, per hop (`hop` says which)."""

    hop: str = "before"
    counts: Counter[tuple[str, str, str]] = field(default_factory=Counter)

    def add(self, what: str, entry_ids: Sequence[str]) -> None:
        for entry_id in entry_ids:
            self.counts[(self.hop, what, entry_id)] += 1

    def of(self, entry_id: str) -> dict[str, dict[str, int]]:
        return {
            hop: {what: self.counts[(hop, what, entry_id)] for what in counted}
            for hop, counted in COUNTED.items()
        }


def _named(value: Any) -> list[str]:
    """The entries whose record `value` holds: as JSON text (their `"id"` field, not an
    event id or subject naming them) or as the fields a record is validated from."""
    if isinstance(value, dict):
        return [e for e in ENTRIES if value.get("id") == e]
    text = value.decode(errors="replace") if isinstance(value, bytes | bytearray) else value
    if not isinstance(text, str):
        return []
    return [e for e in ENTRIES if re.search(f'"id":\\s*"{e}"', text)]


class _Counted:
    """A pydantic validator or serializer that tells the tally what it was asked to do."""

    def __init__(self, inner: Any, tally: Tally) -> None:
        self._inner, self._tally = inner, tally

    def validate_json(self, data: Any, *args: Any, **kwargs: Any) -> Any:
        self._tally.add("decode", _named(data))
        self._tally.add("validate", _named(data))
        return self._inner.validate_json(data, *args, **kwargs)

    def validate_python(self, data: Any, *args: Any, **kwargs: Any) -> Any:
        self._tally.add("validate", _named(data))
        return self._inner.validate_python(data, *args, **kwargs)

    def to_json(self, value: Any, *args: Any, **kwargs: Any) -> Any:
        encoded = self._inner.to_json(value, *args, **kwargs)
        self._tally.add("encode", _named(encoded))
        return encoded

    def to_python(self, value: Any, *args: Any, **kwargs: Any) -> Any:
        self._tally.add("encode", [e for e in ENTRIES if getattr(value, "id", None) == e])
        return self._inner.to_python(value, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _decoder(inner: Callable[..., Any], tally: Tally) -> Callable[..., Any]:
    def decode(text: Any, *args: Any, **kwargs: Any) -> Any:
        tally.add("decode", _named(text))
        return inner(text, *args, **kwargs)

    return decode


def _encoder(inner: Callable[..., Any], tally: Tally) -> Callable[..., Any]:
    def encode(value: Any, *args: Any, **kwargs: Any) -> Any:
        encoded = inner(value, *args, **kwargs)
        tally.add("encode", _named(encoded))
        return encoded

    return encode


@pytest.fixture
def tally(monkeypatch: pytest.MonkeyPatch) -> Iterator[Tally]:
    """Counts, wherever the hub decodes JSON (`json.loads`, pydantic-core's `from_json`,
    a pydantic `validate_json`), validates a `TimeEntry` (alone or inside ingest's
    one-pass event validation) or encodes JSON (`json.dumps`, `to_json`, the
    serializers of `TimeEntry` and of the CloudEvent envelope)."""
    found = Tally()
    monkeypatch.setattr(json, "loads", _decoder(json.loads, found))
    monkeypatch.setattr(json, "dumps", _encoder(json.dumps, found))
    for name, wrap in (("from_json", _decoder), ("to_json", _encoder)):
        for module in _modules_with(name):
            monkeypatch.setattr(module, name, wrap(getattr(pydantic_core, name), found))
    for model in (v1.TimeEntry, CloudEvent):
        for seam in ("__pydantic_validator__", "__pydantic_serializer__"):
            monkeypatch.setattr(model, seam, _Counted(getattr(model, seam), found))
    monkeypatch.setattr(ingest, "_ANY_EVENT", _Counted(ingest._ANY_EVENT, found))
    yield found


def _modules_with(name: str) -> list[Any]:
    """The hub's modules that took pydantic-core's `name` into their own namespace."""
    function = getattr(pydantic_core, name)
    return [
        module
        for module_name, module in list(sys.modules.items())
        if module_name.startswith("accord.") and getattr(module, name, None) is function
    ]


class _Approved:
    """The PSA connector's approved-time stream: records its mapping already validated."""

    name = "approved_time"

    def __init__(self, records: Sequence[v1.TimeEntry]) -> None:
        self._records = records

    def read(self, cursor: Cursor | None, limit: int) -> Page[v1.TimeEntry]:
        return Page(self._records, Cursor("end"), has_more=False)


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    """A hub on a fresh SQLite store, its master data applied and caught up by billing."""
    built = build_hub(Settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'a.sqlite'}"))
    try:
        built.ingest.ingest_lines(event_for(record, "/sandbox") for record in _master_data())
        built.worker.run_once()
        built.billing.catch_up()
        yield built
    finally:
        built.close()


def _through_billing(hub: Hub, tally: Tally, log: Callable[[], object]) -> None:
    tally.hop = "ingest"
    log()
    tally.hop = "worker"
    assert hub.worker.run_once() == len(ENTRIES)
    tally.hop = "billing"
    hub.billing.catch_up()
    tally.hop = "after"


def _billed_as_approved(hub: Hub) -> None:
    assert hub.billing.held_among(ENTRIES) == set(ENTRIES)
    held = hub.billing.state().time_entries["K1"]
    assert {held[e].hours for e in ENTRIES} == {Decimal("7.25")}


def test_a_pulled_entry_is_decoded_and_validated_once_between_connector_and_billing(
    hub: Hub, tally: Tally
) -> None:
    records = [_entry(e) for e in ENTRIES]
    sync = InboundSync(
        [SourceStream("psa", _Approved(records))], SqlAlchemyCursorStore(hub.engine), hub.ingest
    )

    _through_billing(hub, tally, sync.pull)

    for entry_id in ENTRIES:
        assert tally.of(entry_id) == {
            "ingest": {"decode": 0, "validate": 0, "encode": 1},
            "worker": {"decode": 0, "validate": 0, "encode": 0},
            "billing": {"decode": 1, "validate": 1},
        }
    _billed_as_approved(hub)


def test_an_entry_delivered_as_json_is_decoded_at_ingest_and_by_billing_only(
    hub: Hub, tally: Tally
) -> None:
    lines = [event_for(_entry(e), "/psa/webhook") for e in ENTRIES]

    _through_billing(hub, tally, lambda: hub.ingest.ingest_lines(lines))

    for entry_id in ENTRIES:
        assert tally.of(entry_id) == {
            "ingest": {"decode": 1, "validate": 1, "encode": 1},
            "worker": {"decode": 0, "validate": 0, "encode": 0},
            "billing": {"decode": 1, "validate": 1},
        }
    _billed_as_approved(hub)
