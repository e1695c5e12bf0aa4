"""A fixed-width file on a local folder: positions from the mapping, one exception per bad
line, the file archived once the hub has the cursor past its last line."""

from __future__ import annotations

from pathlib import Path

from accord.connectors.filedrop import MAPPINGS, connector_factory
from accord.connectors.sdk import read_all

LINES = [
    "T-100     C-100     R-7     20260302  7.50",
    "T-101     C-100     R-7     20260315 08.00",
    "T-102     C-100     R-7     20260399   1.0",
    "T-103",
]


def test_a_fixed_width_file_is_read_by_position(tmp_path: Path) -> None:
    inbox = tmp_path / "inbound"
    inbox.mkdir()
    (inbox / "hours.txt").write_bytes(("\r\n".join(LINES) + "\r\n").encode("latin-1"))
    (inbox / "hours.txt.done").touch()
    connector = connector_factory(
        {
            "system": "psa",
            "location": {"type": "local", "root": str(tmp_path)},
            "feeds": [
                {
                    "name": "timekeeping",
                    "pattern": "*.txt",
                    "mapping": str(MAPPINGS / "approved-time-fixed.yaml"),
                }
            ],
        }
    )
    stream = connector.streams()[0]

    pages = list(read_all(stream, None, 10))

    records = [r for page in pages for r in page.records]
    assert [(r.id, str(r.hours), r.date.day) for r in records] == [
        ("T-100", "7.50", 2),
        ("T-101", "8.00", 15),
    ]
    reasons = [r.reason for page in pages for r in page.rejected]
    assert reasons == [
        "hours.txt line 3: column 'work_date': '20260399' is not a date in the format '%Y%m%d'",
        "hours.txt line 4: is 5 characters long, the layout needs 42",
    ]
    assert not (inbox / "hours.txt").exists() and not (inbox / "hours.txt.done").exists()
    assert [p.name.endswith("-hours.txt") for p in (inbox / "archive").iterdir()] == [True]
