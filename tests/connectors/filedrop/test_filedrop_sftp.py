"""File drops over a real SFTP server, into a real hub (event log and exception queue on
SQLite): bad rows become exceptions naming file and line while good rows proceed, a file
dropped twice changes nothing, and a file still being written is never read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from accord.adapters.billing_store import SqlAlchemyCursorStore
from accord.application.inbound_sync import (
    InboundSync,
    SourceStream,
    event_for,
    rejected_event_for,
)
from accord.application.ports import EventStatus
from accord.bootstrap import Hub, build_hub
from accord.connectors.filedrop import FileDropConnector, connector_factory
from accord.connectors.sdk import read_all
from accord.domain.exceptions import ExceptionKind
from accord.settings import Settings
from tests.connectors.filedrop.conftest import TIME_MAPPING
from tests.connectors.filedrop.drops import HEADER, drop, time_rows
from tests.connectors.filedrop.sftp_server import SftpServer

BAD_HOURS = "T-4;C-100;R-7;04.03.2026;seven;yes\r\n"
BAD_DATE = "T-5;C-100;R-7;31.02.2026;2;no\r\n"


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    built = build_hub(Settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'hub.db'}"))
    yield built
    built.close()


def _connector(server: SftpServer, **feed: Any) -> FileDropConnector:
    config = {
        "name": "legacy-psa",
        "system": "psa",
        "location": server.location(),
        "feeds": [{"name": "approved_time", "mapping": TIME_MAPPING, **feed}],
        **feed.pop("extra", {}),
    }
    return connector_factory(config)


@pytest.fixture
def connector(sftp_server: SftpServer) -> Iterator[FileDropConnector]:
    built = _connector(sftp_server)
    yield built
    built.close()


def _sync(hub: Hub, connector: FileDropConnector) -> InboundSync:
    streams = [SourceStream(connector.name, stream) for stream in connector.streams()]
    return InboundSync(streams, SqlAlchemyCursorStore(hub.engine), hub.ingest, page_size=2)


def test_bad_rows_become_exceptions_naming_the_line_while_good_rows_proceed_once(
    hub: Hub, connector: FileDropConnector, sftp_root: Path
) -> None:
    inbox = sftp_root / "inbound"
    rows = [*time_rows("T", 3), BAD_HOURS, BAD_DATE]
    drop(inbox, "time-march.csv", rows)
    sync = _sync(hub, connector)

    first = sync.pull()

    assert (first.accepted, first.quarantined) == (3, 2)
    assert hub.status().counts[EventStatus.PENDING] == 3
    reasons = sorted(e.message for e in hub.exceptions(kind=ExceptionKind.INVALID_EVENT))
    assert len(reasons) == 2
    assert "time-march.csv line 5: column 'hours': 'seven' is not a decimal" in reasons[0]
    assert "time-march.csv line 6: column 'work_date': '31.02.2026' is not a date" in reasons[1]
    assert not (inbox / "time-march.csv").exists()
    archived = [p.name for p in (inbox / "archive").iterdir()]
    assert len(archived) == 1 and archived[0].endswith("-time-march.csv")

    drop(inbox, "time-march.csv", rows)
    again = sync.pull()

    assert (again.accepted, again.quarantined) == (0, 0)
    assert hub.status().counts[EventStatus.PENDING] == 3
    assert len(hub.exceptions(kind=ExceptionKind.INVALID_EVENT)) == 2
    assert not (inbox / "time-march.csv").exists()
    assert len(list((inbox / "archive").iterdir())) == 1


def test_a_file_still_being_written_is_not_read(sftp_server: SftpServer, sftp_root: Path) -> None:
    now = [1_000.0]
    connector = _connector(
        sftp_server, ready="stable", stable_seconds=10, extra={"clock": lambda: now[0]}
    )
    stream = connector.streams()[0]
    inbox = sftp_root / "inbound"
    inbox.mkdir()
    growing = inbox / "time-april.csv"
    growing.write_text(HEADER + "".join(time_rows("A", 2)), encoding="utf-8")

    def delivered() -> list[str]:
        return [r.id for page in read_all(stream, None, 50) for r in page.records]

    try:
        assert delivered() == []  # first look
        now[0] += 60
        with growing.open("a", encoding="utf-8") as file:
            file.write("".join(time_rows("B", 1)))
        assert delivered() == []  # it grew since the last look
        now[0] += 5
        assert delivered() == []  # unchanged, but not for 10 s yet
        now[0] += 6
        assert sorted(delivered()) == ["A-1", "A-2", "B-1"]
    finally:
        connector.close()


def test_a_page_logged_again_after_a_crash_changes_nothing(
    hub: Hub, connector: FileDropConnector, sftp_root: Path
) -> None:
    drop(sftp_root / "inbound", "time-may.csv", [*time_rows("M", 2), BAD_HOURS])
    stream = connector.streams()[0]
    page = stream.read(None, 10)
    again = stream.read(None, 10)  # the hub crashed before storing the cursor
    assert again == page

    def log(read: Any) -> Any:
        events = [event_for(record, "/legacy-psa/approved_time") for record in read.records]
        rejected = [
            (rejected_event_for(r, "/legacy-psa/approved_time"), r.reason) for r in read.rejected
        ]
        return hub.ingest.ingest_batch(events, refuse_whole=False, rejected=rejected)

    first, second = log(page), log(again)

    assert (first.accepted, first.quarantined) == (2, 1)
    assert (second.accepted, second.quarantined, second.duplicates) == (0, 0, 3)
    assert len(hub.exceptions(kind=ExceptionKind.INVALID_EVENT)) == 1
