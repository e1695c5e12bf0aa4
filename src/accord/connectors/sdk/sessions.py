"""What every vendor session shares: the token refresh (a call refused with HTTP 401,
the access token expired or was revoked, gets a new token once and is repeated), and a
copy for reconciliation listings that gives up sooner (`listing_session`)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Protocol, TypeVar

from accord.connectors.sdk.connector import LISTING_ATTEMPTS
from accord.connectors.sdk.errors import RejectedError
from accord.connectors.sdk.http import HttpClient

T = TypeVar("T")


class Session(Protocol):
    """A vendor session: whatever it adds (tokens, budgets), it calls through `client`."""

    client: HttpClient


S = TypeVar("S", bound=Session)


def listing_session(session: S) -> S:
    """A copy of `session` whose calls are tried at most `LISTING_ATTEMPTS` times (fewer
    if the settings say so; the connection pool, limits and circuit breaker stay shared):
    what a connector's reconciliation listings read through. It signs in on its own when
    its token expires."""
    listing = copy.copy(session)
    attempts = min(session.client.retry.max_attempts, LISTING_ATTEMPTS)
    listing.client = session.client.trying(attempts)
    return listing


def send_refreshing_once(
    send: Callable[[], T],
    refresh: Callable[[], None] | None,
    rejection: Callable[[RejectedError], Exception],
) -> T:
    """`send()`; refused with 401 and with a `refresh`, refresh the token and send once
    more. A refusal that stands is raised as `rejection(error)`, which names what to fix;
    a failing `refresh` raises its own error."""
    try:
        return send()
    except RejectedError as error:
        if error.status != 401 or refresh is None:
            raise rejection(error) from None
    refresh()
    try:
        return send()
    except RejectedError as again:
        raise rejection(again) from None
