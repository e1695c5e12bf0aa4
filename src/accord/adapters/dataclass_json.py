"""A JSON codec for the domain's frozen dataclasses, driven by their type hints.

The billing engine's state is plain immutable dataclasses (Decimal, date, enums, tuples,
dicts with tuple keys). Storing it as JSON keeps it readable in the database and free of
pickle; decoding rebuilds exactly the same values, so a stored state is a faithful one.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any, TypeVar, Union, get_args, get_origin

T = TypeVar("T")


def to_jsonable(value: Any) -> Any:
    """Encode a value built from dataclasses and standard types into JSON-ready data."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return [[to_jsonable(k), to_jsonable(v)] for k, v in value.items()]
    if isinstance(value, list | tuple | frozenset | set):
        items = sorted(value, key=repr) if isinstance(value, frozenset | set) else value
        return [to_jsonable(v) for v in items]
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_jsonable(data: Any, hint: Any) -> Any:
    """Decode data produced by `to_jsonable` back into the type `hint` describes."""
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        return _from_union(data, get_args(hint))
    if hint is Any:
        return data
    if origin is None:
        return _from_plain(data, hint)
    args = get_args(hint)
    if origin is dict:
        return {from_jsonable(k, args[0]): from_jsonable(v, args[1]) for k, v in data}
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_jsonable(v, args[0]) for v in data)
        return tuple(from_jsonable(v, a) for v, a in zip(data, args, strict=True))
    if origin in (frozenset, set, list):
        return origin(from_jsonable(v, args[0]) for v in data)
    raise TypeError(f"cannot decode into {hint!r}")


def _from_union(data: Any, options: tuple[Any, ...]) -> Any:
    if data is None and type(None) in options:
        return None
    candidates = [o for o in options if o is not type(None)]
    if len(candidates) == 1:
        return from_jsonable(data, candidates[0])
    for option in candidates:
        if dataclasses.is_dataclass(option) and isinstance(data, dict):
            names = {f.name for f in dataclasses.fields(option)}
            if set(data) == names:
                return from_jsonable(data, option)
        elif not dataclasses.is_dataclass(option):
            try:
                return from_jsonable(data, option)
            except (TypeError, ValueError, ArithmeticError):
                continue
    raise TypeError(f"{data!r} matches none of {candidates}")


def _from_plain(data: Any, hint: Any) -> Any:
    if hint is type(None):
        return None
    if dataclasses.is_dataclass(hint):
        hints = _hints(hint)  # type: ignore[arg-type]
        kwargs = {
            f.name: from_jsonable(data[f.name], hints[f.name])
            for f in dataclasses.fields(hint)
            if f.name in data
        }
        build: Any = hint
        return build(**kwargs)
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint(data)
    if hint is Decimal:
        return Decimal(data)
    if hint is datetime:
        return datetime.fromisoformat(data)
    if hint is date:
        return date.fromisoformat(data)
    if hint in (int, str, bool) and isinstance(data, hint):
        return data
    raise TypeError(f"cannot decode {data!r} as {hint!r}")


def dumps(value: Any) -> str:
    return json.dumps(to_jsonable(value), separators=(",", ":"))


def loads(text: str, cls: type[T]) -> T:
    result: T = from_jsonable(json.loads(text), cls)
    return result
