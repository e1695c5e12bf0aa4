"""The part of SOQL the simulator understands: what the connector and a reader send.

    SELECT f1, f2, Rel.f3 FROM Object [WHERE cond] [ORDER BY f, ...] [LIMIT n]

Conditions: `field op literal` with `=`, `!=`, `<`, `<=`, `>`, `>=`, combined with AND,
OR and parentheses; literals are `'strings'`, dateTimes (`2026-01-31T10:00:00.000Z`),
numbers, `null`, `true` and `false`. Anything else is a `MALFORMED_QUERY`, as Salesforce
answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

_QUERY = re.compile(
    r"^\s*SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<object>\w+)"
    r"(?:\s+WHERE\s+(?P<where>.+?))?"
    r"(?:\s+ORDER\s+BY\s+(?P<order>[\w\s,]+?))?"
    r"(?:\s+LIMIT\s+(?P<limit>\d+))?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:\\.|[^'\\])*')|(?P<op><=|>=|!=|=|<|>)|(?P<paren>[()])"
    r"|(?P<datetime>\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:?\d\d))|(?P<word>[\w.]+))"
)

Row = Mapping[str, Any]
Condition = Callable[[Row], bool]


class MalformedQuery(ValueError):
    """A query the simulator (and Salesforce) cannot run; the message says where."""


@dataclass(frozen=True)
class Query:
    fields: list[str]
    sobject: str
    where: Condition
    order: list[str]
    limit: int | None


def parse(text: str) -> Query:
    match = _QUERY.match(text)
    if match is None:
        raise MalformedQuery(f"unexpected query shape: {text[:120]!r}")
    tokens = _tokens(match["where"] or "")
    where: Condition = (lambda _: True) if not tokens else _Parser(tokens).parse()
    order = [name.strip() for name in (match["order"] or "").split(",") if name.strip()]
    limit = int(match["limit"]) if match["limit"] else None
    fields = [name.strip() for name in match["fields"].split(",")]
    return Query(fields, match["object"], where, order, limit)


def _tokens(text: str) -> list[tuple[str, str]]:
    found, position = [], 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise MalformedQuery(f"unexpected token at {text[position : position + 20]!r}")
        kind = match.lastgroup or ""
        found.append((kind, match[kind]))
        position = match.end()
    return found


def _literal(kind: str, text: str) -> Any:
    if kind == "string":
        return text[1:-1].replace("\\'", "'")
    if kind == "datetime":
        return parse_stamp(text)
    word = text.lower()
    if word in ("null", "true", "false"):
        return {"null": None, "true": True, "false": False}[word]
    try:
        return float(text)
    except ValueError:
        raise MalformedQuery(f"{text!r} is not a literal") from None


def parse_stamp(text: str) -> datetime:
    """A SOQL dateTime literal or a SystemModstamp (`...000+0000`) as an aware datetime."""
    stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a is not None and b is not None and a < b,
    "<=": lambda a, b: a is not None and b is not None and a <= b,
    ">": lambda a, b: a is not None and b is not None and a > b,
    ">=": lambda a, b: a is not None and b is not None and a >= b,
}


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.at = 0

    def parse(self) -> Condition:
        condition = self._or()
        if self.at != len(self.tokens):
            raise MalformedQuery(f"unexpected {self.tokens[self.at][1]!r} in WHERE")
        return condition

    def _peek_word(self, word: str) -> bool:
        return self.at < len(self.tokens) and self.tokens[self.at][1].upper() == word

    def _or(self) -> Condition:
        parts = [self._and()]
        while self._peek_word("OR"):
            self.at += 1
            parts.append(self._and())
        return lambda row: any(part(row) for part in parts)

    def _and(self) -> Condition:
        parts = [self._atom()]
        while self._peek_word("AND"):
            self.at += 1
            parts.append(self._atom())
        return lambda row: all(part(row) for part in parts)

    def _atom(self) -> Condition:
        if self.at < len(self.tokens) and self.tokens[self.at] == ("paren", "("):
            self.at += 1
            inner = self._or()
            if self.at >= len(self.tokens) or self.tokens[self.at] != ("paren", ")"):
                raise MalformedQuery("missing ')' in WHERE")
            self.at += 1
            return inner
        if self.at + 3 > len(self.tokens):
            raise MalformedQuery("incomplete condition in WHERE")
        (_, field), (op_kind, op), (kind, text) = self.tokens[self.at : self.at + 3]
        if op_kind != "op":
            raise MalformedQuery(f"expected an operator after {field!r}")
        self.at += 3
        value, compare = _literal(kind, text), _COMPARE[op]
        return lambda row: compare(_comparable(row.get(field), value), value)


def _comparable(stored: Any, literal: Any) -> Any:
    """A stored value in the literal's type (stamps are kept as text, numbers as text)."""
    if isinstance(literal, datetime) and isinstance(stored, str):
        return parse_stamp(stored)
    if isinstance(literal, float) and isinstance(stored, str | int):
        return float(stored)
    return stored
