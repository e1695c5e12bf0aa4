"""A command group that imports a command's module only when that command runs.

`accord --help` lists every command from a table of names and one-line summaries; the
module behind a command (which may import the web stack, DBOS, database drivers...) is
imported when the command is resolved to run or to show its own help. Errors a command
raises become a one-line message and an exit code (`accord.cli.errors`), unless
`--debug` asks for the traceback.
"""

from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from accord.cli.errors import describe


@dataclass(frozen=True)
class LazyCommand:
    """A command (or command group) named in `accord --help`, defined in `module`."""

    name: str
    module: str
    summary: str

    def load(self) -> Any:
        """The real command: its module registers it on a scratch app, as on the full CLI."""
        module = importlib.import_module(self.module)
        scratch = typer.Typer()
        scratch.callback()(_no_options)
        module.register(scratch)
        group = typer.main.get_command(scratch)
        assert isinstance(group, TyperGroup)
        return group.commands[self.name]


class LazyGroup(TyperGroup):
    """The `accord` group: summaries from `commands_table`, modules imported on use."""

    commands_table: tuple[LazyCommand, ...] = ()

    def _entry(self, name: str) -> LazyCommand | None:
        return next((entry for entry in self.commands_table if entry.name == name), None)

    def list_commands(self, ctx: Any) -> list[str]:
        return [entry.name for entry in self.commands_table]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        """A stand-in carrying the summary only: listing commands imports nothing."""
        entry = self._entry(cmd_name)
        if entry is None:
            return None
        return TyperCommand(entry.name, help=entry.summary, short_help=entry.summary)

    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[str | None, Any, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        entry = self._entry(name) if name else None
        if entry is not None:
            command = entry.load()
        return name, command, rest

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as error:
            if ctx.params.get("debug") or _is_cli_control(error):
                raise
            if isinstance(error, BrokenPipeError):  # `accord ... | head`: nothing to say
                _silence_stdout()
                raise typer.Exit(1) from None
            failure = describe(error)
            typer.secho(f"error: {failure.message}", err=True, fg="red")
            raise typer.Exit(failure.code) from None


def _is_cli_control(error: Exception) -> bool:
    """Exits, aborts and usage errors: the command line reports those itself."""
    return any(cls.__module__.split(".")[0] in {"typer", "click"} for cls in type(error).__mro__)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush into a closed pipe does
    not print another error."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _no_options() -> None:
    """Makes the scratch app a group whatever its module registers."""
