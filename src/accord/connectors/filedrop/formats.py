"""Reading and writing the files themselves: CSV and fixed-width, as a mapping lays them out.

Reading gives each data row with its line number in the file (the header is line 1), so
an exception can send a person to the exact line. A problem with the whole file (it is
not in the declared encoding, its header lacks a declared column) is a `FileProblem`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from accord.connectors.sdk.tabular import Column, MappingDocument
from accord.connectors.sdk.tabular.document import FileLayout


class FileProblem(ValueError):
    """The file as a whole cannot be read with its mapping."""


@dataclass(frozen=True)
class Row:
    """One data row: its line in the file and its raw values by column name. `problem`
    says why the line itself is malformed (too many or too few values)."""

    line: int
    values: Mapping[str, str]
    problem: str | None = None


def read_rows(content: bytes, document: MappingDocument) -> list[Row]:
    """Every data row of `content`, laid out as `document.file` says."""
    layout = document.file or FileLayout()
    try:
        text = content.decode(layout.encoding)
    except (UnicodeDecodeError, LookupError) as error:
        raise FileProblem(f"is not readable as {layout.encoding}: {error}") from None
    text = text.removeprefix("\ufeff")
    if layout.format == "fixed":
        return list(_fixed_rows(text, document.columns, layout.header))
    return list(_csv_rows(text, document.columns, layout))


def _csv_rows(text: str, columns: Sequence[Column], layout: FileLayout) -> Iterator[Row]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=layout.delimiter, strict=True)
    names = [column.name for column in columns]
    try:
        if layout.header:
            names = [name.strip() for name in next(reader, [])]
            missing = [c.name for c in columns if c.name not in names]
            if missing:
                raise FileProblem(f"line 1: the header lacks the columns {', '.join(missing)}")
        line = reader.line_num + 1
        for values in reader:
            if any(value.strip() for value in values):
                yield _csv_row(line, names, values)
            line = reader.line_num + 1
    except csv.Error as error:
        raise FileProblem(f"line {reader.line_num}: not valid CSV: {error}") from None


def _csv_row(line: int, names: Sequence[str], values: Sequence[str]) -> Row:
    row = dict(zip(names, values, strict=False))
    if len(values) != len(names):
        return Row(line, row, f"{len(values)} values where the header has {len(names)}")
    return Row(line, row)


def _fixed_rows(text: str, columns: Sequence[Column], header: bool) -> Iterator[Row]:
    end = max((c.start or 1) + (c.width or 0) - 1 for c in columns)
    for number, raw in enumerate(text.splitlines(), start=1):
        if (header and number == 1) or not raw.strip():
            continue
        values = {
            c.name: raw[(c.start or 1) - 1 : (c.start or 1) - 1 + (c.width or 0)] for c in columns
        }
        if len(raw.rstrip("\r\n")) < end:
            yield Row(number, values, f"is {len(raw)} characters long, the layout needs {end}")
        else:
            yield Row(number, values)


def render_csv(
    rows: Sequence[Mapping[str, Any]], names: Sequence[str], layout: FileLayout
) -> bytes:
    """`rows` as CSV in `layout` (header first when it says so), encoded as it says."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=layout.delimiter, lineterminator="\r\n")
    if layout.header:
        writer.writerow(names)
    for row in rows:
        writer.writerow(["" if row.get(name) is None else row[name] for name in names])
    return out.getvalue().encode(layout.encoding)


def render_fixed(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[Column], layout: FileLayout
) -> bytes:
    """`rows` as fixed-width lines; a value longer than its width is an error, never cut."""
    lines = []
    for row in rows:
        line = ""
        for column in columns:
            value = "" if row.get(column.name) is None else str(row[column.name])
            width = column.width or len(value)
            if len(value) > width:
                raise ValueError(f"column {column.name!r}: {value!r} is wider than {width}")
            line = line.ljust((column.start or len(line) + 1) - 1) + value.ljust(width)
        lines.append(line + "\r\n")
    return "".join(lines).encode(layout.encoding)
