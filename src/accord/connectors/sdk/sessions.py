"""The token refresh every bearer-token session does: a call refused with HTTP 401
(the access token expired or was revoked) gets a new token once and is repeated."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from accord.connectors.sdk.errors import RejectedError

T = TypeVar("T")


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
