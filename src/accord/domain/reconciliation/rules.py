"""The comparisons, their tolerances, and the reference implementation of the rules.

A `Comparison` joins the records of a reference system (left) with those of a mirror
(right) on the business key, like a full outer join:
- a key only on the left is `missing_in_right` (e.g. an issued invoice the ERP lacks);
- a key only on the right is `missing_in_left` (e.g. a payment the ERP never received);
- a key on both sides is checked field by field, in order; the first failing check is
  the discrepancy (one per key and comparison). A field None on either side is unknown
  there and passes.

Rules: `EXACT` fields must be equal; `AMOUNT` and `HOURS` fields may differ by the
tolerance. Amount at risk: the present side's amount for a missing record, the absolute
difference for an `AMOUNT` check, the difference of the records' amounts for an `HOURS`
check (or the amount known), and the record's amount for an `EXACT` check.

A comparison with `within` set is a check inside one system instead: its left records
are `ChargeRecord`s of that system's documents, its right side is empty, and it finds
the items billed twice (`double_billing.double_billed`).

`compare` is the one implementation of the rules. For volume the DuckDB adapter first
narrows each comparison to the keys that can fail a rule (missing on a side, or a
checked field that differs) and hands those records to `compare`; tests hold both
paths to the same findings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from accord.domain.money import MINOR_UNITS, round_to_currency
from accord.domain.reconciliation.double_billing import double_billed
from accord.domain.reconciliation.kinds import Discrepancy, DiscrepancyKind, Finding
from accord.domain.reconciliation.records import ChargeRecord, Record

K = DiscrepancyKind


class Rule(StrEnum):
    EXACT = "exact"
    AMOUNT = "amount"
    HOURS = "hours"


@dataclass(frozen=True, slots=True)
class Check:
    field: str
    rule: Rule
    kind: DiscrepancyKind


@dataclass(frozen=True, slots=True)
class Comparison:
    name: str
    left: str
    right: str
    missing_in_right: DiscrepancyKind | None
    missing_in_left: DiscrepancyKind | None
    checks: tuple[Check, ...] = ()
    within: bool = False
    """A check within one system (left = right): each item billed once."""


@dataclass(frozen=True, slots=True)
class Tolerances:
    """How far two systems may differ before it is a discrepancy, and for how long.

    `amount` and `hours` are absolute tolerances (a difference strictly above them
    counts). `grace_days` lets a discrepancy of a kind age that many days before it is
    reported (work in flight is not a problem yet); `unbilled_after_days` is the grace of
    `unbilled_time`, the N of the revenue-leakage report.
    """

    amount: Decimal = Decimal("0.00")
    hours: Decimal = Decimal("0.00")
    unbilled_after_days: int = 30
    grace_days: Mapping[DiscrepancyKind, int] = field(default_factory=dict)

    def grace(self, kind: DiscrepancyKind) -> int:
        if kind is DiscrepancyKind.UNBILLED_TIME:
            return self.unbilled_after_days
        return self.grace_days.get(kind, 0)

    def of(self, rule: Rule) -> Decimal:
        return self.hours if rule is Rule.HOURS else self.amount


_PARTIES = (Check("customer", Rule.EXACT, K.CUSTOMER_MISMATCH),)
_CONTRACT = (*_PARTIES, Check("entity", Rule.EXACT, K.ENTITY_MISMATCH))
_DOCUMENT = (
    Check("currency", Rule.EXACT, K.CURRENCY_MISMATCH),
    Check("net_total", Rule.AMOUNT, K.AMOUNT_MISMATCH),
    Check("tax_total", Rule.AMOUNT, K.TAX_MISMATCH),
    Check("amount", Rule.AMOUNT, K.AMOUNT_MISMATCH),
    Check("status", Rule.EXACT, K.STATUS_MISMATCH),
)
_PAYMENT = (
    Check("currency", Rule.EXACT, K.CURRENCY_MISMATCH),
    Check("amount", Rule.AMOUNT, K.AMOUNT_MISMATCH),
    Check("invoice", Rule.EXACT, K.PAYMENT_MISAPPLIED),
)

COMPARISONS: dict[str, Comparison] = {
    c.name: c
    for c in (
        Comparison(
            "contracts_clm_billing",
            "clm",
            "billing",
            K.MISSING_IN_BILLING,
            None,
            (*_CONTRACT, Check("currency", Rule.EXACT, K.CURRENCY_MISMATCH)),
        ),
        Comparison("contracts_clm_psa", "clm", "psa", K.MISSING_IN_PSA, None, _PARTIES),
        Comparison("contracts_clm_erp", "clm", "erp", K.MISSING_IN_ERP, None, _CONTRACT),
        Comparison("contracts_clm_crm", "clm", "crm", K.MISSING_IN_CRM, None, _PARTIES),
        Comparison(
            "projects_psa_erp",
            "psa",
            "erp",
            K.MISSING_IN_ERP,
            K.MISSING_IN_PSA,
            (
                Check("contract", Rule.EXACT, K.CONTRACT_MISMATCH),
                *_CONTRACT,
                Check("status", Rule.EXACT, K.STATUS_MISMATCH),
            ),
        ),
        Comparison(
            "time_psa_hub",
            "psa",
            "hub",
            K.UNBILLED_TIME,
            K.BILLED_UNAPPROVED_TIME,
            (
                Check("contract", Rule.EXACT, K.CONTRACT_MISMATCH),
                Check("hours", Rule.HOURS, K.HOURS_MISMATCH),
            ),
        ),
        Comparison(
            "documents_hub_billing",
            "hub",
            "billing",
            K.MISSING_IN_BILLING,
            K.UNKNOWN_DOCUMENT,
            _DOCUMENT,
        ),
        Comparison(
            "documents_hub_erp", "hub", "erp", K.UNPOSTED_DOCUMENT, K.UNKNOWN_DOCUMENT, _DOCUMENT
        ),
        Comparison(
            "payments_erp_billing",
            "erp",
            "billing",
            K.PAYMENT_NOT_MIRRORED,
            K.UNKNOWN_PAYMENT,
            _PAYMENT,
        ),
        Comparison(
            "payments_erp_crm", "erp", "crm", K.PAYMENT_NOT_MIRRORED, K.UNKNOWN_PAYMENT, _PAYMENT
        ),
        *(
            Comparison(f"billed_once_{system}", system, system, None, None, within=True)
            for system in ("hub", "billing", "erp")
        ),
    )
}
"""Every comparison Accord runs, by name; the record shape follows from the name's
first word (contracts, projects, time, documents, payments; `billed_once` takes the
charge records of one system's documents)."""


def display_value(value: object) -> str:
    """How a value is shown to people: decimals in plain notation, as the ERP prints them."""
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def _abs_difference(left: object, right: object) -> Decimal | None:
    if isinstance(left, Decimal) and isinstance(right, Decimal):
        return abs(left - right)
    return None


def _check(
    comparison: Comparison, check: Check, left: Record, right: Record, tolerances: Tolerances
) -> Finding | None:
    ours, theirs = getattr(left, check.field), getattr(right, check.field)
    if ours is None or theirs is None:
        return None
    if check.rule is Rule.EXACT:
        if ours == theirs:
            return None
        at_risk = left.amount if left.amount is not None else right.amount
    else:
        difference = abs(ours - theirs)
        if difference <= tolerances.of(check.rule):
            return None
        if check.rule is Rule.AMOUNT:
            at_risk = difference
        else:
            at_risk = _abs_difference(left.amount, right.amount)
            if at_risk is None:
                at_risk = left.amount if left.amount is not None else right.amount
    return Finding(
        comparison.name,
        check.kind,
        left.key,
        left.on if left.on is not None else right.on,
        at_risk,
        left.currency if left.currency is not None else right.currency,
        display_value(ours),
        display_value(theirs),
    )


def _missing(
    comparison: Comparison, record: Record, kind: DiscrepancyKind, on_left: bool
) -> Finding:
    value = None if record.amount is None else display_value(record.amount)
    return Finding(
        comparison.name,
        kind,
        record.key,
        record.on,
        record.amount,
        record.currency,
        value if on_left else None,
        None if on_left else value,
    )


def compare(
    comparison: Comparison,
    left: Iterable[Record],
    right: Iterable[Record],
    tolerances: Tolerances,
) -> list[Finding]:
    """The findings of one comparison, sorted by key. Keys must be unique per side."""
    theirs = {record.key: record for record in right}
    findings: list[Finding] = []
    for record in left:
        other = theirs.pop(record.key, None)
        if other is None:
            if comparison.missing_in_right is not None:
                findings.append(_missing(comparison, record, comparison.missing_in_right, True))
            continue
        for check in comparison.checks:
            found = _check(comparison, check, record, other, tolerances)
            if found is not None:
                findings.append(found)
                break
    if comparison.missing_in_left is not None:
        for record in theirs.values():
            findings.append(_missing(comparison, record, comparison.missing_in_left, False))
    return sorted(findings, key=lambda f: f.key)


def settle(findings: Iterable[Finding], tolerances: Tolerances, as_of: date) -> list[Discrepancy]:
    """Findings old enough to report, with systems, age, owner and rounded amounts.

    Sorted by comparison (in `COMPARISONS` order), then key.
    """
    order = {name: index for index, name in enumerate(COMPARISONS)}
    reported: list[Discrepancy] = []
    for finding in findings:
        age = None if finding.on is None else (as_of - finding.on).days
        if age is not None and age < tolerances.grace(finding.kind):
            continue
        comparison = COMPARISONS[finding.comparison]
        amount = finding.amount_at_risk
        if amount is not None and finding.currency in MINOR_UNITS:
            amount = round_to_currency(amount, finding.currency)
        reported.append(
            Discrepancy(
                finding.kind,
                finding.comparison,
                (comparison.left, comparison.right),
                finding.key,
                amount,
                finding.currency,
                age,
                finding.kind.owner,
                finding.left_value,
                finding.right_value,
            )
        )
    return sorted(reported, key=lambda d: (order[d.comparison], d.key))


def compare_all(
    records: Mapping[str, tuple[Sequence[Record], Sequence[Record]]], tolerances: Tolerances
) -> list[Finding]:
    """Run each named comparison on its (left, right) records."""
    findings: list[Finding] = []
    for name, (left, right) in records.items():
        comparison = COMPARISONS[name]
        if comparison.within:
            findings += double_billed(name, (r for r in left if isinstance(r, ChargeRecord)))
        else:
            findings += compare(comparison, left, right, tolerances)
    return findings
