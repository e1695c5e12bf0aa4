"""Mapping files between rows (of dropped files, of legacy tables) and canonical records.

- `document`: the YAML format, validated (`MappingFileError` names the file and key).
- `inbound`: `inbound_mapping(...)`, `InboundMapping.map_row` (a row or `RowRejected`),
  `inbound_mappers` (a tabular connector's `RecordMappers`, for `accord mapping test`).
- `outbound`: `outbound_mapping(...)`, `OutboundMapping.rows` (rows or `RecordNotMapped`).
- `values`: typing of raw column values.
"""

from accord.connectors.sdk.tabular.document import (
    Column,
    MappingDocument,
    MappingFileError,
    load_document,
)
from accord.connectors.sdk.tabular.inbound import (
    InboundMapping,
    RowRejected,
    inbound_mappers,
    inbound_mapping,
)
from accord.connectors.sdk.tabular.outbound import (
    OutboundMapping,
    RecordNotMapped,
    outbound_mapping,
)

__all__ = [
    "Column",
    "InboundMapping",
    "MappingDocument",
    "MappingFileError",
    "OutboundMapping",
    "RecordNotMapped",
    "RowRejected",
    "inbound_mappers",
    "inbound_mapping",
    "load_document",
    "outbound_mapping",
]
