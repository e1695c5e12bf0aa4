"""What a connector is: a health check, inbound streams and the ports it implements.

A connector is stateless. Inbound, each `Stream` reads one `Page` of changes after a
`Cursor` (shapes the hub reads too, so they live in `accord.canonical.streams`); the hub
persists the cursor with the records it ingested, so after a crash it resumes from the
last committed cursor and nothing is lost or read twice. `ports()` returns objects that
implement the application's ports structurally: its writing gateway (`ErpGateway`,
`PsaGateway`, ...) and any read-only listings (`LISTING_PORTS`). A connector never
imports the application layer, it only has methods with the same names and types.

Connectors register under the `accord.connectors` entry-point group; the hub finds them
with `discover_connectors()`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Literal, Protocol, runtime_checkable

from accord.canonical.streams import Cursor, Page, Stream

System = Literal["crm", "clm", "psa", "hr", "billing", "erp"]
SYSTEMS: tuple[System, ...] = ("crm", "clm", "psa", "hr", "billing", "erp")

ENTRY_POINT_GROUP = "accord.connectors"

LISTING_PORTS: tuple[str, ...] = ("ContractListing", "ProjectListing", "PaymentListing")
"""Read-only ports a connector may hand out from `ports()` next to its gateway: the
records reconciliation compares (set-up contracts, projects, payment mirrors), declared
in `accord.application.gateways`. They read, so they need no idempotent write."""
LISTING_ATTEMPTS = 3
"""Attempts per call of a listing, fewer than a write's: a system that cannot be listed
is reported skipped by the reconciliation run, and the next run reads it again."""


def encode_cursor(position: Mapping[str, Any]) -> Cursor:
    """A cursor from a JSON-serialisable position (e.g. `{"updated_since": ..., "id": ...}`).

    Keys are sorted, so equal positions always give equal cursors.
    """
    return Cursor(json.dumps(position, sort_keys=True, separators=(",", ":"), default=str))


def decode_cursor(cursor: Cursor | None) -> dict[str, Any]:
    """The position inside a cursor made by `encode_cursor`; `{}` for no cursor (the start)."""
    if cursor is None:
        return {}
    try:
        position = json.loads(cursor)
    except ValueError as error:
        raise ValueError(f"not a cursor made by encode_cursor: {cursor!r}") from error
    if not isinstance(position, dict):
        raise ValueError(f"not a cursor made by encode_cursor: {cursor!r}")
    return position


def read_all(stream: Stream, cursor: Cursor | None = None, limit: int = 100) -> Iterator[Page[Any]]:
    """Every page from `cursor` until the stream has nothing more ready."""
    while True:
        page = stream.read(cursor, limit)
        yield page
        if page.next_cursor is not None:
            cursor = page.next_cursor
        if not page.has_more:
            return


PROBES = ("reachable", "authenticated", "read", "write")
"""What `accord connectors check` shows per system: a check puts True or False under each
key of its `details` it could verify (and leaves out what it cannot tell without side
effects)."""


@dataclass(frozen=True)
class CheckResult:
    """The outcome of `Connector.check`: can the hub work with this system and config?

    `message` tells an operator what is wrong and what to do when `ok` is False; `details`
    holds the `PROBES` the check verified and anything else worth showing.
    """

    ok: bool
    message: str
    details: Mapping[str, Any] = field(default_factory=dict)


@runtime_checkable
class Connector(Protocol):
    """The contract every connector fulfils (see the module docs)."""

    @property
    def name(self) -> str:
        """The registered name, e.g. `sandbox-erp` or `tryton`."""
        ...

    @property
    def system(self) -> System:
        """The role the connected system plays: crm, clm, psa, hr, billing or erp."""
        ...

    def check(self, config: Mapping[str, Any]) -> CheckResult:
        """Validate `config` and reach the system once (credentials, permissions)."""
        ...

    def streams(self) -> list[Stream]:
        """The inbound feeds, each resumable from a cursor the hub persists."""
        ...

    def ports(self) -> dict[str, object]:
        """Port name (e.g. `"ErpGateway"`, or a read-only `"ProjectListing"`, see
        `LISTING_PORTS`) to the object implementing that port."""
        ...


ConnectorFactory = Callable[[Mapping[str, Any]], Connector]
"""Builds a connector from its configuration (base URL, credentials, options)."""


def probe(factory: ConnectorFactory, config: Mapping[str, Any]) -> CheckResult:
    """Build a connector and run its `check` once; whatever goes wrong, even in a
    connector that raises instead of reporting, comes back as a failed `CheckResult`."""
    try:
        connector = factory(config)
    except Exception as error:  # a probe reports every failure, it never stops
        return CheckResult(False, f"cannot be built from its configuration: {error}")
    try:
        return connector.check(config)
    except Exception as error:
        return CheckResult(False, f"the check failed: {error}")
    finally:
        close = getattr(connector, "close", None)
        if callable(close):
            close()


class ConnectorNotFoundError(LookupError):
    """No connector is registered under the requested name."""


def discover_connectors(
    registered: Iterable[EntryPoint] | None = None,
) -> dict[str, ConnectorFactory]:
    """Every connector factory registered under the `accord.connectors` entry point, among
    `registered` (default: the installed packages' entry points).

    A registration that cannot be imported raises `ImportError` naming it: a broken
    connector must be fixed or uninstalled, not skipped silently.
    """
    if registered is None:
        registered = entry_points(group=ENTRY_POINT_GROUP)
    factories: dict[str, ConnectorFactory] = {}
    for entry in (entry for entry in registered if entry.group == ENTRY_POINT_GROUP):
        try:
            factories[entry.name] = entry.load()
        except Exception as error:
            raise ImportError(
                f"connector {entry.name!r} is registered as {entry.value!r} but cannot be "
                f"loaded: {error}. Reinstall or fix the package that provides it."
            ) from error
    return factories


def load_connector(
    name: str, config: Mapping[str, Any], registered: Iterable[EntryPoint] | None = None
) -> Connector:
    """Build the connector registered as `name` (among `registered`, default: the
    installed entry points) with `config`."""
    factories = discover_connectors(registered)
    if name not in factories:
        known = ", ".join(sorted(factories)) or "none"
        raise ConnectorNotFoundError(
            f"no connector registered as {name!r} (registered: {known}). Install the package "
            f"that provides it, or reinstall Accord to refresh its entry points."
        )
    return factories[name](config)


def idempotency_key(system: str, operation: str, *business_keys: object) -> str:
    """A stable key for one business write, the same whenever and wherever it is computed.

    Derived only from business keys (contract id, invoice number, ...), never from time or
    randomness, so a retried, replayed or recovered write carries the same key and the
    system recognises it. Shape: `<system>:<operation>:<32 hex chars of sha256>`, readable
    in logs and short enough for any `Idempotency-Key` header or external-id field.
    """
    if not business_keys:
        raise ValueError("idempotency_key needs at least one business key")
    material = json.dumps([system, operation, *(str(key) for key in business_keys)])
    digest = hashlib.sha256(material.encode()).hexdigest()[:32]
    return f"{system}:{operation}:{digest}"
