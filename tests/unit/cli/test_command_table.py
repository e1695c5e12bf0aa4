"""`accord --help` lists commands from a table; each entry must lead to its command."""

from __future__ import annotations

import pytest

from accord.cli.lazy import LazyCommand, _load
from accord.cli.main import AccordCommands


@pytest.mark.parametrize("entry", AccordCommands.commands_table, ids=lambda entry: entry.name)
def test_every_listed_command_loads_from_its_module(entry: LazyCommand) -> None:
    assert _load(entry).name == entry.name
