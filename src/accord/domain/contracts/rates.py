"""Rate resolution on the work date: person override > role rate > wildcard `*`.

Rate-card versions are effective-dated; an amendment adds versions, and a version that
has been used to bill is never changed (see `amend_rates`).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from accord.domain.contracts.model import (
    WILDCARD_ROLE,
    PersonRate,
    RateVersion,
    TimeAndMaterialsTerm,
)

RateKey = tuple[str, str, date]
"""Identifies a rate version: ("person", resource, from) or ("role", role, from)."""


@dataclass(frozen=True, slots=True)
class ResolvedRate:
    price: Decimal
    key: RateKey


class _Versions:
    def __init__(self, dated: Iterable[tuple[date, Decimal]]) -> None:
        ordered = sorted(dated)
        self.dates = [d for d, _ in ordered]
        self.prices = [p for _, p in ordered]

    def on(self, day: date) -> tuple[date, Decimal] | None:
        index = bisect_right(self.dates, day)
        return (self.dates[index - 1], self.prices[index - 1]) if index else None


class RateCard:
    """A T&M term's rate versions, indexed for fast lookup by work date."""

    def __init__(self, term: TimeAndMaterialsTerm) -> None:
        roles: dict[str, list[tuple[date, Decimal]]] = {}
        for version in term.rates:
            roles.setdefault(version.role, []).append((version.valid_from, version.rate))
        people: dict[str, list[tuple[date, Decimal]]] = {}
        for person in term.person_rates:
            people.setdefault(person.resource, []).append((person.valid_from, person.rate))
        self._roles = {role: _Versions(v) for role, v in roles.items()}
        self._people = {resource: _Versions(v) for resource, v in people.items()}

    def resolve(self, resource: str, role: str, day: date) -> ResolvedRate | None:
        """The rate for `resource` in `role` on `day`, or None when the card has none."""
        for kind, table, name in (
            ("person", self._people, resource),
            ("role", self._roles, role),
            ("role", self._roles, WILDCARD_ROLE),
        ):
            versions = table.get(name)
            found = versions.on(day) if versions else None
            if found is not None:
                return ResolvedRate(found[1], (kind, name, found[0]))
        return None


class UsedRateVersionChange(ValueError):
    """An amendment tried to change a rate version that has already been billed."""


def amend_rates(
    term: TimeAndMaterialsTerm,
    rates: Iterable[RateVersion] = (),
    person_rates: Iterable[PersonRate] = (),
    cap: Decimal | None = None,
    used: frozenset[RateKey] = frozenset(),
) -> TimeAndMaterialsTerm:
    """The term with added rate versions (and a new cap when given).

    A version with the same (role or resource, from) replaces an unused one; replacing a
    version in `used` raises, because issued invoices were priced with it.
    """
    role_versions = {(v.role, v.valid_from): v for v in term.rates}
    person_versions = {(p.resource, p.valid_from): p for p in term.person_rates}
    for version in rates:
        _check_unused(("role", version.role, version.valid_from), role_versions, used, version)
        role_versions[(version.role, version.valid_from)] = version
    for person in person_rates:
        key: RateKey = ("person", person.resource, person.valid_from)
        _check_unused(key, person_versions, used, person)
        person_versions[(person.resource, person.valid_from)] = person
    return replace(
        term,
        rates=tuple(role_versions.values()),
        person_rates=tuple(person_versions.values()),
        cap=term.cap if cap is None else cap,
    )


def _check_unused(
    key: RateKey,
    existing: dict[tuple[str, date], RateVersion] | dict[tuple[str, date], PersonRate],
    used: frozenset[RateKey],
    new: RateVersion | PersonRate,
) -> None:
    old = existing.get((key[1], key[2]))
    if old is not None and old.rate != new.rate and key in used:
        raise UsedRateVersionChange(
            f"rate version {key[1]} from {key[2]} has been billed at {old.rate} and cannot "
            f"change; add a new version with a later `from` date instead"
        )
