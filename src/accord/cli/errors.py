"""What the command line says when a command fails on something other than bad input.

A command reports the bad input it recognises itself (exit 2). Everything else that
escapes a command is described here as one message saying what was wrong and what to do:
exit 2 for a configuration that cannot work (a malformed database URL), exit 1 for a
service that does not answer (the database, NATS) or an unforeseen failure. Classes are
matched by name so that describing an error imports no driver.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

DEBUG_HINT = "run again with --debug to see the traceback"


@dataclass(frozen=True)
class Failure:
    """A failed command's message and exit code."""

    message: str
    code: int


def describe(error: BaseException) -> Failure:
    """The message and exit code for `error`, judged on it and the errors that caused it."""
    chain = _chain(error)
    for link in chain:
        failure = _configuration_or_service(link)
        if failure is not None:
            return failure
    for link in chain:
        if isinstance(link, OSError | TimeoutError):
            return Failure(
                f"{_first_line(link)}: check that the service it names runs and can be "
                f"reached ({DEBUG_HINT}).",
                1,
            )
    return Failure(f"{type(error).__name__}: {_first_line(error)} ({DEBUG_HINT}).", 1)


def _configuration_or_service(link: BaseException) -> Failure | None:
    """A malformed database URL, a database or NATS that does not answer; else None."""
    names = _class_names(link)
    if names & {"sqlalchemy.exc.ArgumentError", "sqlalchemy.exc.NoSuchModuleError"}:
        return Failure(
            f"ACCORD_DATABASE_URL is not a usable database URL ({_first_line(link)}). Set it "
            "to e.g. postgresql+psycopg://user@host:5432/accord, or unset it for the "
            "embedded SQLite store.",
            2,
        )
    if names & {"sqlalchemy.exc.OperationalError", "sqlalchemy.exc.InterfaceError"}:
        return Failure(
            f"the database at ACCORD_DATABASE_URL ({_database_target()}) does not answer: "
            f"{_first_line(link)}. Check that it runs and that the URL, user and "
            "database name are right.",
            1,
        )
    if any(name.startswith("nats.") or name.endswith(".NatsUnreachable") for name in names):
        return Failure(
            f"NATS at ACCORD_NATS_URL ({os.environ.get('ACCORD_NATS_URL', '-')}) does not "
            f"answer ({_first_line(link)}). Start NATS with JetStream and check the URL, or "
            "unset ACCORD_NATS_URL for the embedded default's in-process subscribers.",
            1,
        )
    return None


def _chain(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _class_names(error: BaseException) -> set[str]:
    return {f"{cls.__module__}.{cls.__qualname__}" for cls in type(error).__mro__}


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _database_target() -> str:
    """The configured URL without its password."""
    url = os.environ.get("ACCORD_DATABASE_URL", "")
    scheme, _, rest = url.partition("://")
    credentials, at, location = rest.rpartition("@")
    if at and ":" in credentials:
        credentials = credentials.split(":", 1)[0] + ":***"
    return f"{scheme}://{credentials}{at}{location}" if rest else url or "embedded SQLite"
