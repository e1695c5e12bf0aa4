"""Records of one shape held column by column: the form large reads travel in.

A system listing a million documents costs a million record objects, and a columnar
engine then takes every object apart again. `RecordColumns` keeps one list per field
instead (a store's result set or a connector's page maps onto it directly) and is still
a `Sequence` of records, so the reference rules read it like any list: a record is made
only when one is asked for. Values are the record fields' own types (Decimal amounts,
dates, text or None); nothing is converted or rounded here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import fields
from typing import Any, Generic, TypeVar, overload

from accord.domain.reconciliation.records import Record

R = TypeVar("R", bound=Record)


def field_names(shape: type[Any]) -> tuple[str, ...]:
    """The fields of a record shape, in declaration order."""
    return tuple(f.name for f in fields(shape))


class RecordColumns(Sequence[R], Generic[R]):
    """`len(columns[name])` records of `shape`, one column per field of the shape."""

    __slots__ = ("_length", "columns", "shape")

    def __init__(self, shape: type[R], columns: Mapping[str, Sequence[Any]]) -> None:
        names = field_names(shape)
        if set(columns) != set(names):
            raise ValueError(f"{shape.__name__} columns must be exactly {', '.join(names)}")
        lengths = {len(column) for column in columns.values()}
        if len(lengths) > 1:
            raise ValueError(f"{shape.__name__} columns differ in length: {sorted(lengths)}")
        self.shape = shape
        self.columns = {name: columns[name] for name in names}
        self._length = lengths.pop() if lengths else 0

    @classmethod
    def of(cls, shape: type[R], records: Iterable[R]) -> RecordColumns[R]:
        """The records given, as columns (one pass; for records already made)."""
        names = field_names(shape)
        rows = [tuple(getattr(record, name) for name in names) for record in records]
        values: list[Sequence[Any]] = (
            [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in names]
        )
        return cls(shape, dict(zip(names, values, strict=True)))

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> R: ...

    @overload
    def __getitem__(self, index: slice) -> RecordColumns[R]: ...

    def __getitem__(self, index: int | slice) -> R | RecordColumns[R]:
        if isinstance(index, slice):
            return RecordColumns(
                self.shape, {name: column[index] for name, column in self.columns.items()}
            )
        if not -self._length <= index < self._length:
            raise IndexError(index)
        return self.shape(**{name: column[index] for name, column in self.columns.items()})

    def __iter__(self) -> Iterator[R]:
        shape, names = self.shape, tuple(self.columns)
        for row in zip(*self.columns.values(), strict=True):
            yield shape(**dict(zip(names, row, strict=True)))

    def take(self, indices: Sequence[int]) -> RecordColumns[R]:
        """The records at `indices`, in that order, still as columns."""
        return RecordColumns(
            self.shape,
            {name: [column[i] for i in indices] for name, column in self.columns.items()},
        )

    def unique(self) -> RecordColumns[R]:
        """One record per key, the last one read winning (as `list({r.key: r})` keeps
        them: in the order each key was first read). Returns itself when keys are
        unique already, the usual case, so a large read is not copied."""
        last = {key: i for i, key in enumerate(self.columns["key"])}
        if len(last) == self._length:
            return self
        return self.take(list(last.values()))
