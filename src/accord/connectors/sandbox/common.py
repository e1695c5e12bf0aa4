"""What the sandbox connectors share: building the SDK client, health checks, paging.

Config keys every sandbox connector understands: `base_url` (required, e.g.
`Landscape.base_url("erp")`), `max_attempts` (retry budget, default 6), `base_delay`
(first backoff in seconds, default 0.2), `max_concurrency` (client-side cap),
`requests_per_second` (client-side pacing), `timeout` (seconds per call), and for
tests `sleep` / `clock` callables handed to the SDK's `HttpClient` so retries do not
really wait.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any, Generic, TypeVar

from accord.connectors.sdk import (
    CheckResult,
    ConnectorError,
    Cursor,
    HttpClient,
    Page,
    RateLimit,
    RejectedError,
    RetryPolicy,
    decode_cursor,
    encode_cursor,
)

T = TypeVar("T")


def client_from_config(
    config: Mapping[str, Any], connector: str, headers: Mapping[str, str] | None = None
) -> HttpClient:
    """The SDK client a sandbox connector talks through, built from its config."""
    base_url = config.get("base_url")
    if not base_url:
        raise ValueError(
            f"{connector}: config needs base_url, e.g. http://127.0.0.1:8401/erp "
            "(Landscape.base_url(system) gives it)"
        )
    retry = RetryPolicy(
        max_attempts=int(config.get("max_attempts", 6)),
        base_delay=float(config.get("base_delay", 0.2)),
    )
    return HttpClient(
        str(base_url),
        connector=connector,
        retry=retry,
        max_concurrency=config.get("max_concurrency"),
        rate_limit=RateLimit(float(rate)) if (rate := config.get("requests_per_second")) else None,
        timeout=float(config.get("timeout", 10.0)),
        headers=headers,
        sleep=config.get("sleep", time.sleep),
        clock=config.get("clock", time.time),
    )


def check_reachable(
    config: Mapping[str, Any], connector: str, path: str, headers: Mapping[str, str] | None = None
) -> CheckResult:
    """Reach `path` once with `config`; the message says what to fix when it fails."""
    try:
        with client_from_config(config, connector, headers) as client:
            client.get(path, params={"limit": 1})
    except ValueError as error:
        return CheckResult(False, str(error))
    except ConnectorError as error:
        return CheckResult(
            False,
            f"{connector} cannot reach {config.get('base_url')}{path}: {error.reason}. "
            "Start the sandbox landscape (accord up) or fix base_url.",
        )
    return CheckResult(
        True,
        f"{connector} reached {config.get('base_url')} (the sandbox asks no credentials)",
        {"reachable": True, "read": True},
    )


def all_items(
    client: HttpClient, path: str, params: Mapping[str, Any] | None = None
) -> Iterator[dict[str, Any]]:
    """Every item of a paged sandbox listing (`items` + `next_page`)."""
    page: str | None = None
    while True:
        query = {**(params or {}), "limit": 500}
        if page:
            query["page"] = page
        body = client.get(path, params=query).json()
        yield from body["items"]
        page = body.get("next_page")
        if not page:
            return


def read_optional(client: HttpClient, path: str) -> dict[str, Any] | None:
    """The record at `path`, or None when the system answers 404."""
    try:
        body: dict[str, Any] = client.get(path).json()
    except RejectedError as error:
        if error.status == 404:
            return None
        raise
    return body


def change_status(client: HttpClient, path: str) -> None:
    """POST a status change (deactivate, close, withdraw); a record the system does not
    hold (404) has nothing to change, so that counts as done."""
    try:
        client.post(path)
    except RejectedError as error:
        if error.status != 404:
            raise


def since_param(moment: datetime | None) -> dict[str, str]:
    return {"updated_since": moment.isoformat()} if moment is not None else {}


class UpdatedSinceStream(Generic[T]):
    """A stream over a listing polled with `updated_since` (inclusive) and keyset pages.

    The cursor holds the `updated_at` of the last delivered record and the
    `id@version` of every record delivered at exactly that instant: the next read asks
    `updated_since=<that instant>` again (nothing changed at the same instant is missed)
    and skips only what it already delivered.
    """

    def __init__(
        self,
        name: str,
        client: HttpClient,
        path: str,
        to_record: Callable[[dict[str, Any]], T],
        params: Mapping[str, Any] | None = None,
    ) -> None:
        self._name = name
        self._client = client
        self._path = path
        self._to_record = to_record
        self._params = dict(params or {})

    @property
    def name(self) -> str:
        return self._name

    def read(self, cursor: Cursor | None, limit: int) -> Page[T]:
        position = decode_cursor(cursor)
        since: str | None = position.get("since")
        seen: set[str] = set(position.get("seen", []))
        delivered: list[T] = []
        page: str | None = None
        while True:
            query = {**self._params, "limit": max(limit, 1) + len(seen)}
            if since:
                query["updated_since"] = since
            if page:
                query["page"] = page
            body = self._client.get(self._path, params=query).json()
            for item in body["items"]:
                if len(delivered) >= limit:
                    return self._page(delivered, since, seen, has_more=True)
                key = f"{item['id']}@{item['version']}"
                if item["updated_at"] == since and key in seen:
                    continue
                if item["updated_at"] != since:
                    since, seen = item["updated_at"], set()
                seen.add(key)
                delivered.append(self._to_record(item))
            page = body.get("next_page")
            if not page:
                return self._page(delivered, since, seen, has_more=False)

    @staticmethod
    def _page(records: list[T], since: str | None, seen: set[str], *, has_more: bool) -> Page[T]:
        cursor = encode_cursor({"since": since, "seen": sorted(seen)}) if since else None
        return Page(records=records, next_cursor=cursor, has_more=has_more)
