"""`accord --help` lists commands from a table: each entry must lead to its command, and
every command a CLI module registers must be in the table (a new module is added there)."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
import typer

import accord.cli
from accord.cli.lazy import LazyCommand
from accord.cli.main import AccordCommands


@pytest.mark.parametrize("entry", AccordCommands.commands_table, ids=lambda entry: entry.name)
def test_every_listed_command_loads_from_its_module(entry: LazyCommand) -> None:
    assert entry.load().name == entry.name


def test_every_command_a_module_registers_is_listed() -> None:
    registered: dict[str, str] = {}
    for module_info in pkgutil.iter_modules(accord.cli.__path__):
        if module_info.name.startswith("__"):  # __main__ runs the command line
            continue
        module = importlib.import_module(f"accord.cli.{module_info.name}")
        if not hasattr(module, "register"):
            continue
        scratch = typer.Typer()
        scratch.callback()(lambda: None)
        module.register(scratch)
        group = typer.main.get_command(scratch)
        registered |= {name: module.__name__ for name in group.commands}  # type: ignore[attr-defined]

    listed = {entry.name: entry.module for entry in AccordCommands.commands_table}
    assert listed == registered
