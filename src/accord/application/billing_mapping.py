"""Canonical boundary records -> the billing engine's domain values.

The canonical models are what systems send; the domain works on plain dataclasses. The
mapping is the one place where the two meet, so a new canonical field never leaks into
billing decisions by accident.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from accord.canonical import v1
from accord.domain.contracts import model as dm
from accord.domain.delivery.model import Expense, TimeEntry


def entity(record: v1.LegalEntity) -> dm.Entity:
    return dm.Entity(
        record.id,
        record.name,
        record.country,
        record.currency,
        record.tax_id,
        record.street,
        record.city,
        record.postal_code,
        record.payment_terms,
        record.registration_id,
    )


def customer(record: v1.Customer) -> dm.Customer:
    return dm.Customer(
        record.id,
        record.name,
        record.country,
        record.tax_id,
        record.street,
        record.city,
        record.postal_code,
    )


def resource(record: v1.Resource) -> dm.Resource:
    return dm.Resource(
        record.id,
        record.name,
        record.role,
        tuple(dm.Employment(e.entity, e.valid_from) for e in record.employment),
        tuple(dm.CostRate(c.valid_from, c.rate, c.currency) for c in record.cost_rates),
    )


def rate_versions(rates: list[v1.RoleRate]) -> tuple[dm.RateVersion, ...]:
    return tuple(dm.RateVersion(r.role, r.rate, r.valid_from) for r in rates)


def person_rates(rates: list[v1.PersonRate]) -> tuple[dm.PersonRate, ...]:
    return tuple(dm.PersonRate(r.resource, r.rate, r.valid_from) for r in rates)


def _term(term: v1.TimeAndMaterialsTerm | v1.FixedFeeTerm | v1.RetainerTerm) -> dm.Term:
    if isinstance(term, v1.TimeAndMaterialsTerm):
        return dm.TimeAndMaterialsTerm(
            term.id,
            rate_versions(term.rates),
            person_rates(term.person_rates),
            term.cap,
            term.billed_to_date or Decimal(0),
        )
    if isinstance(term, v1.FixedFeeTerm):
        milestones = tuple(dm.Milestone(m.id, m.name, m.percent) for m in term.milestones)
        return dm.FixedFeeTerm(term.id, term.fee, milestones, term.estimated_cost)
    return dm.RetainerTerm(term.id, term.prepaid)


def contract(record: v1.Contract) -> dm.Contract:
    policy = record.expense_policy
    return dm.Contract(
        record.id,
        record.customer,
        record.entity,
        record.currency,
        record.start,
        record.end or date.max,  # an open-ended contract
        tuple(_term(t) for t in record.terms),
        dm.ExpensePolicy(policy.markup_percent, policy.flat_fee) if policy else None,
        record.intercompany_markup_percent,
    )


def time_entry(record: v1.TimeEntry) -> TimeEntry:
    return TimeEntry(
        record.id,
        record.contract,
        record.term,
        record.resource,
        record.date,
        record.hours,
        record.billable and record.status == v1.ApprovalStatus.APPROVED,
        source_version=record.business_version(),
    )


def expense(record: v1.Expense) -> Expense:
    return Expense(
        record.id,
        record.contract,
        record.resource,
        record.date,
        record.amount,
        record.currency,
        record.billable and record.status == v1.ApprovalStatus.APPROVED,
        source_version=record.business_version(),
    )
