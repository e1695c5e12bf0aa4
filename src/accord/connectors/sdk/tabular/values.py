"""Turning a column's raw value (text from a file, a driver's value from a table) into its
declared type, with an error that says what was found and what was expected."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from accord.connectors.sdk.tabular.document import Column

TRUE_WORDS = frozenset({"true", "yes", "y", "1", "x"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", ""})


class ValueProblem(ValueError):
    """A value that does not fit its column; the message says why."""


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def typed_value(column: Column, value: Any) -> Any:
    """`value` as the column's type; None for an empty optional value.

    Raises `ValueProblem` for an empty required value or one of the wrong shape.
    """
    if is_empty(value):
        if column.required:
            raise ValueProblem("is empty but required")
        return None
    if isinstance(value, str):
        value = value.strip()
    converter = _CONVERTERS[column.type]
    try:
        return converter(value, column.format)
    except (ValueError, TypeError, InvalidOperation):
        raise ValueProblem(f"{value!r} is not a {_described(column)}") from None


def _described(column: Column) -> str:
    if column.format and column.type in ("date", "datetime"):
        return f"{column.type} in the format {column.format!r}"
    return {"integer": "whole number", "boolean": "yes/no value"}.get(column.type, column.type)


def _string(value: Any, _: str | None) -> str:
    return value if isinstance(value, str) else str(value)


def _integer(value: Any, _: str | None) -> int:
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError("not a whole number")
    return int(value)


def _decimal(value: Any, _: str | None) -> Decimal:
    """Text, an int or a Decimal; a float only from a legacy REAL column, through its
    shortest text, which is what the legacy system itself shows."""
    if isinstance(value, bool):
        raise ValueError("a boolean is not a decimal")
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        raise ValueError("not a finite decimal")
    return number


def _date(value: Any, fmt: str | None) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if fmt:
        return dt.datetime.strptime(value, fmt).date()
    return dt.date.fromisoformat(value)


def _datetime(value: Any, fmt: str | None) -> dt.datetime:
    """Aware in UTC: a legacy system's naive timestamps are taken as UTC."""
    if isinstance(value, dt.datetime):
        stamp = value
    elif isinstance(value, dt.date):
        stamp = dt.datetime.combine(value, dt.time())
    elif fmt:
        stamp = dt.datetime.strptime(value, fmt)
    else:
        stamp = dt.datetime.fromisoformat(value)
    return stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=dt.UTC)


def _boolean(value: Any, _: str | None) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError("not a yes/no value")


_CONVERTERS = {
    "string": _string,
    "integer": _integer,
    "decimal": _decimal,
    "date": _date,
    "datetime": _datetime,
    "boolean": _boolean,
}
