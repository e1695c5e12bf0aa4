"""The check of a connector that signs in before it reads: each step's failure says
what to fix, and the details say how far the check got."""

from __future__ import annotations

from collections.abc import Callable

from accord.connectors.sdk.connector import CheckResult
from accord.connectors.sdk.errors import ConnectorError, RejectedError


def check_sign_in_and_read(
    connector: str,
    url: str,
    sign_in: Callable[[], object],
    read: Callable[[], object],
    unreadable: tuple[str, str],
    done: Callable[[], str],
) -> CheckResult:
    """Sign in, then read once. `unreadable` is what failed to read and how to fix it
    (`"cannot read Account"`, `"Give the user read access to it"`); `done` says what the
    check did, after the read (`"read Account"`)."""
    try:
        sign_in()
    except ConnectorError as error:
        return CheckResult(
            False,
            f"{connector}: {url}: {error.reason}",
            {"reachable": isinstance(error, RejectedError), "authenticated": False},
        )
    try:
        read()
    except ConnectorError as error:
        what, fix = unreadable
        return CheckResult(
            False,
            f"{connector}: signed in, but {what}: {error.reason}. {fix}",
            {"reachable": True, "authenticated": True, "read": False},
        )
    return CheckResult(
        True,
        f"{connector}: signed in to {url} and {done()}",
        {"reachable": True, "authenticated": True, "read": True},
    )
