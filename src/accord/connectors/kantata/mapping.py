"""The mappings between Kantata OX objects and canonical records: YAML files (data).

Each is the SDK's inbound mapping format (`accord.connectors.sdk.tabular`, JMESPath over
the typed row) with `table.name` the `/api/v1/` resource, `table.key: id` and
`table.cursor: updated_at`. The shipped files live in `MAPPINGS`; a firm names its own
file in the landscape file (`mapping:`), and it replaces the shipped mapping of the
resource its `table.name` names.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from accord.canonical.base import CanonicalModel
from accord.connectors.sdk.tabular import InboundMapping, MappingFileError, inbound_mapping
from accord.connectors.sdk.tabular.inbound import RowRejected

MAPPINGS = Path(__file__).parent / "mappings"
"""The shipped default mappings, one file per stream."""

FILES = {
    "time_entries": "time-entry.yaml",
    "expenses": "expense.yaml",
    "stories": "milestone.yaml",
}
"""The mapping file of each stream."""


class RecordNotMapped(ValueError):
    """A Kantata object its mapping cannot turn into a canonical record."""


class ResourceMapping:
    """A validated mapping of one Kantata resource (see the module docs)."""

    def __init__(self, inbound: InboundMapping) -> None:
        table = inbound.document.table
        if table is None or table.key != ["id"] or table.cursor != "updated_at":
            raise MappingFileError(
                f"mapping {inbound.label}: table: give the Kantata resource as name, "
                "key: id and cursor: updated_at, e.g. {name: time_entries, key: id, "
                "cursor: updated_at}"
            )
        self.inbound = inbound
        self.resource = table.name

    @property
    def kind(self) -> str:
        return self.inbound.kind

    def map_object(self, row: Mapping[str, Any]) -> CanonicalModel:
        """The canonical record, or `RecordNotMapped` naming the object, field and
        expression."""
        try:
            return self.inbound.map_row(row, f"{self.resource} {row.get('id')}")
        except RowRejected as problem:
            raise RecordNotMapped(str(problem)) from None


def resource_mappings(source: str | Path | None) -> dict[str, ResourceMapping]:
    """The mapping of each stream: the shipped ones, with the firm's `source` in place of
    the one it replaces (`source` is one mapping file; its `table.name` says which
    resource it maps)."""
    chosen = {stream: ResourceMapping(inbound_mapping(MAPPINGS / n)) for stream, n in FILES.items()}
    if source is None or source == "":
        return chosen
    mapping = ResourceMapping(inbound_mapping(source))
    if mapping.resource not in chosen:
        raise MappingFileError(
            f"mapping {mapping.inbound.label}: table.name must be one of "
            f"{', '.join(FILES)}, not {mapping.resource!r}"
        )
    chosen[mapping.resource] = mapping
    return chosen
