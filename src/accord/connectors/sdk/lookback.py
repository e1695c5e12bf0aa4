"""A change stream's cursor that looks back: late-visible writes are read, none twice.

A vendor stamps a record when its transaction starts (or its server's clock says so),
not when the write becomes visible, so a record can appear after a later-stamped one
was already read: commit order is not stamp order. A stream that resumed strictly after
the last stamp it delivered would miss it for good.

`LookBack` keeps a stream's position as `{since, seen}`: `since` is the latest stamp
delivered, and `seen` maps each record delivered within the window behind it
(`id@stamp`, so a record changed again is delivered again) to its stamp. A read asks
from `since - window` (`start`) and drops what `seen` holds; a record stamped up to
`window` before `since` that turns up late is delivered once. One stamped further back
than the window is still missed: the window (the connectors' `look_back_seconds`
setting) is the longest delay between stamping and visibility the stream tolerates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from accord.canonical.streams import Cursor
from accord.connectors.sdk.connector import decode_cursor, encode_cursor

DEFAULT_LOOK_BACK = dt.timedelta(minutes=5)
"""How far behind its last stamp a vendor stream reads again, unless configured."""
LOOK_BACK_SETTING = "look_back_seconds"


def look_back_from_config(
    config: Mapping[str, Any], default: dt.timedelta = DEFAULT_LOOK_BACK
) -> dt.timedelta:
    """The `look_back_seconds` setting as a window (0 reads strictly after the cursor)."""
    value = config.get(LOOK_BACK_SETTING)
    if value is None:
        return default
    seconds = float(value)
    if seconds < 0:
        raise ValueError(f"{LOOK_BACK_SETTING} must be 0 or more seconds, not {value}")
    return dt.timedelta(seconds=seconds)


class LookBack:
    """One read's position: where to start, what to skip, the cursor after it.

    `parse` turns a vendor's stamp (as the records carry it) into an aware or naive
    datetime, consistently for one stream; stamps are kept in the cursor as given.
    """

    def __init__(
        self, cursor: Cursor | None, window: dt.timedelta, parse: Callable[[str], dt.datetime]
    ) -> None:
        position = decode_cursor(cursor)
        self.window = window
        self._parse = parse
        self.since: str | None = position.get("since")
        self.seen: dict[str, str] = dict(position.get("seen", {}))
        after = position.get("after")
        if self.since is None and after:  # a keyset cursor `[stamp, id]` of before
            self.since, self.seen = str(after[0]), {f"{after[1]}@{after[0]}": str(after[0])}

    def start(self) -> dt.datetime | None:
        """The earliest stamp to ask for: the window behind the latest delivered."""
        return None if self.since is None else self._parse(self.since) - self.window

    def delivered(self, key: str, stamp: str) -> bool:
        """Whether this version of the record (`key` at `stamp`) was delivered already."""
        return f"{key}@{stamp}" in self.seen

    def deliver(self, key: str, stamp: str) -> None:
        """Note the record's version as delivered, moving `since` forward past it."""
        self.seen[f"{key}@{stamp}"] = stamp
        if self.since is None or self._parse(stamp) > self._parse(self.since):
            self.since = stamp

    def cursor(self) -> Cursor | None:
        """The position after this read; versions out of the window are forgotten (a
        read never asks for them again)."""
        if self.since is None:
            return None
        horizon = self._parse(self.since) - self.window
        kept = {k: s for k, s in self.seen.items() if self._parse(s) >= horizon}
        return encode_cursor({"since": self.since, "seen": kept})
