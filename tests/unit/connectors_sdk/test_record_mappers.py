"""Every connector that maps records through mapping files registers its `RecordMappers`
under its own connector name, and its shipped defaults build with no settings at all, so
`accord mapping test` needs no system and no special case per connector."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest

from accord.connectors.sdk.preview import ENTRY_POINTS

SHIPPED_STREAMS = {
    "salesforce": ["accounts"],
    "salesforce-clm": ["contracts"],
    "workday": ["workers"],
    "kantata": ["time_entries", "expenses", "stories"],
    "netsuite": ["payments"],
    "filedrop": [],
    "sql": [],
}


def test_each_mapping_entry_point_is_a_connector_of_the_same_name() -> None:
    mappers = {point.name for point in entry_points(group=ENTRY_POINTS)}
    connectors = {point.name for point in entry_points(group="accord.connectors")}

    assert mappers == set(SHIPPED_STREAMS)
    assert mappers <= connectors


@pytest.mark.parametrize("connector", sorted(SHIPPED_STREAMS))
def test_the_shipped_defaults_build_without_settings(connector: str) -> None:
    (point,) = entry_points(group=ENTRY_POINTS, name=connector)

    assert list(point.load()({})) == SHIPPED_STREAMS[connector]
