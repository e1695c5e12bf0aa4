"""The mapping between a Salesforce object and a canonical record: a YAML file (data).

It is the SDK's inbound mapping format (`accord.connectors.sdk.tabular`, JMESPath
expressions, validated when the connector is built) read the Salesforce way:

    version: 1
    record: customer                # the canonical record each Salesforce record becomes
    table:
      name: Account                 # the sObject
      key: AccountNumber            # the field holding Accord's business key
      cursor: SystemModstamp        # change detection
    columns:                        # the fields the SOQL query selects, typed
      - {name: AccountNumber, type: string}
      - {name: Practice__c, type: string, required: false}
      - {name: Billing_Terms__c, type: string, format: json}   # a JSON long text field
    fields:                         # canonical field: JMESPath over the typed record
      id: AccountNumber

A column with `format: json` holds JSON text (a long text area field); it is parsed
before the expressions run, so they can reach inside it. A firm adapts the shipped file
(its custom fields) and names its copy in the landscape file's `mapping` settings.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from accord.canonical.base import CanonicalModel
from accord.connectors.sdk.preview import RecordMapper
from accord.connectors.sdk.tabular import InboundMapping, MappingFileError, inbound_mapping
from accord.connectors.sdk.tabular.inbound import RowRejected

MAPPINGS = Path(__file__).parent / "mappings"
"""The shipped default mappings, one file per stream."""

SYSTEM_FIELDS = ("Id", "SystemModstamp")


class RecordNotMapped(ValueError):
    """A Salesforce record its mapping cannot turn into a canonical record."""


@dataclass(frozen=True)
class ObjectMapping:
    """A validated mapping of one sObject (see the module docs)."""

    inbound: InboundMapping
    json_columns: frozenset[str]
    columns: tuple[str, ...]

    @property
    def label(self) -> str:
        return self.inbound.label

    @property
    def sobject(self) -> str:
        table = self.inbound.document.table
        assert table is not None
        return table.name

    @property
    def key_field(self) -> str:
        table = self.inbound.document.table
        assert table is not None
        return table.key[0]

    @property
    def kind(self) -> str:
        return self.inbound.kind

    def soql_fields(self) -> list[str]:
        """The fields to select: `Id`, `SystemModstamp` and every declared column."""
        return list(dict.fromkeys([*SYSTEM_FIELDS, *self.columns]))

    def map_record(self, record: Mapping[str, Any]) -> CanonicalModel:
        """The canonical record, or `RecordNotMapped` naming the record, field and
        expression (nothing of a record that fails is used)."""
        where = f"{self.sobject} {record.get('Id')} ({self.key_field}={record.get(self.key_field)})"
        row = dict(record)
        for name in self.json_columns:
            text = row.get(name)
            if isinstance(text, str) and text.strip():
                try:
                    row[name] = json.loads(text)
                except ValueError as error:
                    raise RecordNotMapped(
                        f"{where}: column {name!r}: not valid JSON: {error}"
                    ) from None
        try:
            return self.inbound.map_row(row, where)
        except RowRejected as problem:
            raise RecordNotMapped(str(problem)) from None


def object_mapping(source: str | Path | Mapping[str, Any]) -> ObjectMapping:
    """Load and check a Salesforce object mapping: an inbound mapping with `table.name`
    (the sObject), `table.key` (one field) and `table.cursor: SystemModstamp`."""
    mapping = inbound_mapping(source)
    table = mapping.document.table
    if table is None or len(table.key) != 1:
        raise MappingFileError(
            f"mapping {mapping.label}: table: give the sObject as name and its business key "
            "field as key, e.g. {name: Account, key: AccountNumber, cursor: SystemModstamp}"
        )
    if table.cursor != "SystemModstamp":
        raise MappingFileError(
            f"mapping {mapping.label}: table.cursor: Salesforce changes are detected by "
            f"SystemModstamp, not {table.cursor!r}"
        )
    json_columns = frozenset(c.name for c in mapping.document.columns if c.format == "json")
    plain = [c for c in mapping.document.columns if c.format != "json"]
    document = mapping.document.model_copy(update={"columns": plain})
    typed = InboundMapping(mapping.label, document, mapping.model, mapping.expressions)
    return ObjectMapping(typed, json_columns, tuple(c.name for c in mapping.document.columns))


def crm_record_mappers(config: Mapping[str, Any]) -> dict[str, RecordMapper]:
    """The accounts mapper of `salesforce`, for `accord mapping test` (a `RecordMappers`)."""
    mapping = object_mapping(config.get("mapping") or MAPPINGS / "account-customer.yaml")
    return {"accounts": mapping.map_record}


def clm_record_mappers(config: Mapping[str, Any]) -> dict[str, RecordMapper]:
    """The contracts mapper of `salesforce-clm`, for `accord mapping test`."""
    mapping = object_mapping(config.get("mapping") or MAPPINGS / "contract-contract.yaml")
    return {"contracts": mapping.map_record}
