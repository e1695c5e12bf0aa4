"""The look-back cursor of the vendor streams: where a read starts, what it skips, what
the next cursor keeps, and the setting."""

from __future__ import annotations

import datetime as dt

import pytest

from accord.connectors.sdk import decode_cursor, encode_cursor
from accord.connectors.sdk.lookback import DEFAULT_LOOK_BACK, LookBack, look_back_from_config

WINDOW = dt.timedelta(minutes=5)


def _at(minute: int) -> str:
    return f"2026-02-01T09:{minute:02d}:00+00:00"


def test_a_read_starts_the_window_behind_the_latest_stamp_delivered() -> None:
    position = LookBack(None, WINDOW, dt.datetime.fromisoformat)
    assert position.start() is None
    position.deliver("7", _at(30))
    position.deliver("8", _at(20))  # an older stamp does not move the position back

    assert position.start() == dt.datetime.fromisoformat(_at(25))
    assert position.delivered("8", _at(20)) and not position.delivered("8", _at(31))


def test_the_cursor_forgets_versions_older_than_the_window() -> None:
    position = LookBack(None, WINDOW, dt.datetime.fromisoformat)
    for key, minute in (("1", 10), ("2", 26), ("3", 30)):
        position.deliver(key, _at(minute))

    resumed = LookBack(position.cursor(), WINDOW, dt.datetime.fromisoformat)

    assert decode_cursor(position.cursor())["since"] == _at(30)
    assert sorted(resumed.seen) == [f"2@{_at(26)}", f"3@{_at(30)}"]


def test_a_keyset_cursor_of_before_resumes_at_its_stamp_without_repeating_its_record() -> None:
    old = encode_cursor({"after": [_at(30), "9"]})

    position = LookBack(old, WINDOW, dt.datetime.fromisoformat)

    assert position.since == _at(30)
    assert position.delivered("9", _at(30))


def test_the_setting_is_seconds_and_refuses_a_negative_window() -> None:
    assert look_back_from_config({}) == DEFAULT_LOOK_BACK
    assert look_back_from_config({"look_back_seconds": 0}) == dt.timedelta(0)
    assert look_back_from_config({"look_back_seconds": "90"}) == dt.timedelta(seconds=90)
    with pytest.raises(ValueError, match="look_back_seconds"):
        look_back_from_config({"look_back_seconds": -1})
