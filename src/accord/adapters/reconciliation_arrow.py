"""Reconciliation records as Arrow tables: the columnar form the DuckDB engine joins.

Three forms of records reach the engine, cheapest first:

- `ArrowRecords`: rows already in Arrow (read from a store by a columnar driver, or
  decoded by a connector into columns), used as they are (a decimal column of a scale
  up to 10 too, and text held as a dictionary); any other column whose type differs
  is cast, by Arrow, in one vectorised call.
- `RecordColumns` (domain): one Python list per field; each column becomes an Arrow
  array in one call, no record object is made.
- any other sequence of records: one pass turns it into columns first.

Amounts travel as decimal128(38, 10), exact for every currency and hour figure Accord
handles. A value that would lose a digit there (more than 10 places, or more than 28
integer digits) raises `Inexact`: the engine then runs that comparison on the reference
rules instead of rounding anything.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Generic, TypeVar, overload

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from accord.domain.reconciliation import Record
from accord.domain.reconciliation.columns import RecordColumns, field_names

R = TypeVar("R", bound=Record)
DECIMAL = pa.decimal128(38, 10)
_EPOCH = date(1970, 1, 1).toordinal()


class Inexact(Exception):
    """A value decimal128(38, 10) cannot hold exactly."""


class ArrowRecords(Sequence[R], Generic[R]):
    """Records of `shape` held in an Arrow table, one column per field given; a field
    without a column is None (unknown to that system). Keys must be unique, as a store's
    primary key makes them. A record object is made only when one is asked for (the
    engine asks for the few behind its findings)."""

    __slots__ = ("shape", "table")

    def __init__(self, shape: type[R], table: pa.Table) -> None:
        unknown = set(table.column_names) - set(field_names(shape))
        if unknown or "key" not in table.column_names:
            raise ValueError(f"{shape.__name__} has a key and no {', '.join(sorted(unknown))}")
        self.shape = shape
        self.table = table

    def __len__(self) -> int:
        return int(self.table.num_rows)

    @overload
    def __getitem__(self, index: int) -> R: ...

    @overload
    def __getitem__(self, index: slice) -> ArrowRecords[R]: ...

    def __getitem__(self, index: int | slice) -> R | ArrowRecords[R]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            return ArrowRecords(self.shape, self.table.take(list(range(start, stop, step))))
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        row = {name: self.table.column(name)[index].as_py() for name in self.table.column_names}
        return self.shape(**row)

    def __iter__(self) -> Iterator[R]:
        count, held = self.table.num_rows, set(self.table.column_names)
        columns = [
            _values(self.table.column(name)) if name in held else [None] * count
            for name in field_names(self.shape)
        ]
        shape = self.shape
        for row in zip(*columns, strict=True):
            yield shape(*row)

    def take(self, indices: Sequence[int]) -> ArrowRecords[R]:
        """The records at `indices`, in that order, still in Arrow."""
        return ArrowRecords(self.shape, self.table.take(pa.array(indices, pa.int64())))


def _values(column: pa.ChunkedArray) -> list[Any]:
    """A column's Python values, decoded column-wise in Arrow first where pyarrow's
    value-by-value conversion is slow: text held as a dictionary as plain text, decimals
    through their exact text (the same digits and exponent), dates through their day
    numbers. Several times faster for the few thousand records behind the findings."""
    kind = column.type
    if _encoded_text(kind):
        return list(column.cast(pa.string()).to_pylist())
    if pa.types.is_decimal(kind):
        text = column.cast(pa.string()).to_pylist()
        return [None if value is None else Decimal(value) for value in text]
    if pa.types.is_date32(kind):
        days = column.cast(pa.int32()).to_pylist()
        return [None if day is None else date.fromordinal(_EPOCH + day) for day in days]
    return list(column.to_pylist())


def positions(count: int) -> pa.Array:
    """0, 1, ... count - 1 as int64, built by Arrow (a Python range costs 30x more)."""
    ones = pc.fill_null(pa.nulls(count, pa.int64()), 1)
    return pc.subtract(pc.cumulative_sum(ones), 1)


def comparable(ours: pa.Table, theirs: pa.Table) -> tuple[pa.Table, pa.Table]:
    """The two tables with each text column both hold as a dictionary replaced by its
    indices into one dictionary of both sides' values: equal indices are equal text
    (unifying keeps each value once), and the join compares small integers instead of
    strings. A dictionary holding a NULL value is left as it is (its index is not
    NULL, its text is)."""
    ours_columns = dict(zip(ours.column_names, ours.columns, strict=True))
    theirs_columns = dict(zip(theirs.column_names, theirs.columns, strict=True))
    for name, column in ours_columns.items():
        other = theirs_columns.get(name)
        if other is None or other.type != column.type or not (_coded(column) and _coded(other)):
            continue
        unified = pa.chunked_array(column.chunks + other.chunks, column.type)
        chunks = unified.unify_dictionaries().chunks
        split, index = column.num_chunks, column.type.index_type
        ours_columns[name] = pa.chunked_array([c.indices for c in chunks[:split]], index)
        theirs_columns[name] = pa.chunked_array([c.indices for c in chunks[split:]], index)
    return pa.table(ours_columns), pa.table(theirs_columns)


def _coded(column: pa.ChunkedArray) -> bool:
    return _encoded_text(column.type) and all(
        chunk.dictionary.null_count == 0 for chunk in column.chunks
    )


def decimals(values: Sequence[Decimal | None]) -> pa.Array:
    """Python decimals as decimal128(38, 10) in one call; `Inexact` rather than a
    rounded digit."""
    try:
        return pa.array(values, DECIMAL)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
        raise Inexact(str(error)) from error


def values(records: Sequence[Record], names: Sequence[str]) -> dict[str, Sequence[Any]]:
    """The named fields of the records, column by column: the columns themselves when
    the records come as columns, else one pass over the record objects."""
    if isinstance(records, RecordColumns):
        return {name: records.columns[name] for name in names}
    rows = [tuple(getattr(record, name) for name in names) for record in records]
    if not rows:
        return {name: [] for name in names}
    return dict(zip(names, (list(c) for c in zip(*rows, strict=True)), strict=True))


def _within(kind: pa.DataType) -> bool:
    """Whether every value of a decimal type fits DECIMAL(38, 10) exactly: such a column
    is joined as it is (a narrower type is cheaper to compare), DuckDB widening exactly
    where two types meet."""
    if not pa.types.is_decimal128(kind):
        return False
    return bool(kind.scale <= DECIMAL.scale and kind.precision - kind.scale <= 28)


def _encoded_text(kind: pa.DataType) -> bool:
    """Whether a column is text held as a dictionary (a value list and small indices): a
    reader's natural form for currencies, statuses and contracts, which DuckDB reads
    without decoding every value."""
    return bool(pa.types.is_dictionary(kind) and pa.types.is_string(kind.value_type))


def _cast(column: pa.ChunkedArray, kind: pa.DataType) -> pa.ChunkedArray:
    if column.type == kind or (kind == DECIMAL and _within(column.type)):
        return column
    if kind == pa.string() and _encoded_text(column.type):
        return column
    try:
        return column.cast(kind)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
        raise Inexact(str(error)) from error


def _arrow_table(records: ArrowRecords[Any], types: dict[str, pa.DataType]) -> pa.Table:
    table = records.table
    columns = {
        name: _cast(table.column(name), kind)
        if name in table.column_names
        else pa.nulls(table.num_rows, kind)
        for name, kind in types.items()
    }
    return pa.table(columns)


def table(records: Sequence[Record], types: dict[str, pa.DataType]) -> pa.Table:
    """The records as an Arrow table with exactly the columns and types of `types`."""
    if isinstance(records, ArrowRecords):
        return _arrow_table(records, types)
    columns = values(records, list(types))
    return pa.table(
        {
            name: decimals(columns[name]) if kind == DECIMAL else pa.array(columns[name], kind)
            for name, kind in types.items()
        }
    )
