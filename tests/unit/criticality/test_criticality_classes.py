"""Criticality classes: which class an exception falls in, and what the class decides."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from accord.domain.criticality import (
    ClassPolicy,
    Criticality,
    CriticalityClass,
    FlowKind,
    flow_of,
)
from accord.domain.exceptions import ExceptionKind

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)


def test_the_waiting_flow_decides_the_flow_kind_before_the_exception_kind() -> None:
    unavailable = ExceptionKind.SYSTEM_UNAVAILABLE

    assert flow_of(unavailable, "activate:C-1") is FlowKind.PROJECT_SETUP
    assert flow_of(unavailable, "amend:C-1:2") is FlowKind.PROJECT_SETUP
    assert flow_of(unavailable, "post:INV-7") is FlowKind.INVOICE_POSTING
    assert flow_of(unavailable, "payment:P-3") is FlowKind.PAYMENT_STATUS
    assert flow_of(ExceptionKind.RECONCILIATION_DISCREPANCY) is FlowKind.REPORTING
    assert flow_of(ExceptionKind.UNAPPLIED_PAYMENT) is FlowKind.PAYMENT_STATUS
    assert flow_of(ExceptionKind.UNKNOWN_REFERENCE) is FlowKind.APPROVED_TIME


def test_by_default_cash_flows_are_critical_and_reporting_is_low() -> None:
    classes = Criticality.default()

    for kind, flow in [
        (ExceptionKind.SYSTEM_UNAVAILABLE, "activate:C-1"),
        (ExceptionKind.RESOURCE_NOT_EMPLOYED, None),
        (ExceptionKind.POSTING_REJECTED, None),
        (ExceptionKind.SYSTEM_UNAVAILABLE, "payment:P-1"),
    ]:
        assert classes.class_of(kind, flow) is CriticalityClass.CRITICAL
    low = ExceptionKind.RECONCILIATION_DISCREPANCY
    assert classes.class_of(low) is CriticalityClass.LOW
    assert classes.retry_budget(ExceptionKind.SYSTEM_UNAVAILABLE, "post:INV-1") == 30
    assert classes.retry_budget(low) == 5
    assert classes.alerts(ExceptionKind.POSTING_REJECTED) and not classes.alerts(low)


def test_a_class_sla_cuts_the_kinds_sla_short_but_never_extends_it() -> None:
    classes = Criticality(
        flows={FlowKind.INVOICE_POSTING: CriticalityClass.CRITICAL},
        classes={CriticalityClass.CRITICAL: ClassPolicy(sla=timedelta(hours=4))},
    )
    kind_due = AT + timedelta(days=1)

    assert classes.sla_due(ExceptionKind.POSTING_REJECTED, AT, kind_due) == AT + timedelta(hours=4)
    assert classes.sla_due(ExceptionKind.POSTING_REJECTED, AT, AT + timedelta(hours=1)) == (
        AT + timedelta(hours=1)
    )
    # A flow kind not named falls in the standard class, whose SLA is the kind's.
    assert classes.class_of(ExceptionKind.RECONCILIATION_DISCREPANCY) is CriticalityClass.STANDARD
    assert classes.sla_due(ExceptionKind.RECONCILIATION_DISCREPANCY, AT, kind_due) == kind_due


def test_classes_list_most_urgent_first() -> None:
    ranked = sorted(CriticalityClass, key=lambda c: c.rank)

    assert ranked == [CriticalityClass.CRITICAL, CriticalityClass.STANDARD, CriticalityClass.LOW]
