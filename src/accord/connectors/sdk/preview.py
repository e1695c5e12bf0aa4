"""Mapping raw records offline, with no system reached: what `accord mapping test` runs.

A connector whose records go through a mapping file also registers, in the
`accord.mappings` entry-point group and under its connector's name, a `RecordMappers`:
given the connector's config as the landscape file gives it, the mapper of each stream.
A `mapping` key in that config is the firm's mapping file in place of the shipped one;
without it the shipped default runs. A mapper turns one raw record, shaped as the system
returns it, into a canonical record, or raises `ValueError` whose message names the
record, the field and the expression, exactly as the connector's streams reject it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from accord.canonical.base import CanonicalModel

ENTRY_POINTS = "accord.mappings"
"""The entry-point group of the `RecordMappers`, named like their connectors."""

RecordMapper = Callable[[Mapping[str, Any]], CanonicalModel]
"""One raw record to its canonical record; `ValueError` names record, field, expression."""


class RecordMappers(Protocol):
    """The mapper of each of a connector's streams, from the connector's config."""

    def __call__(self, config: Mapping[str, Any]) -> dict[str, RecordMapper]: ...
