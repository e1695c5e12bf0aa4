"""Reconciliation: what each system holds, compared with tolerances and ageing.

`records` holds the plain record shapes, `columns` the same shapes held column by
column (large reads), `kinds` the discrepancy kinds and their owners, `rules` the
comparisons and their reference implementation, `leakage` the revenue-leakage report.
Standard library only.
"""

from accord.domain.reconciliation.columns import RecordColumns
from accord.domain.reconciliation.double_billing import double_billed
from accord.domain.reconciliation.kinds import OWNERS, Discrepancy, DiscrepancyKind, Finding
from accord.domain.reconciliation.leakage import (
    LeakageItem,
    LeakageReport,
    LeakageSource,
    contract_leakage,
    leakage_report,
    reported_unbilled_time,
    revenue_leakage,
    standard_value,
)
from accord.domain.reconciliation.records import (
    ChargeRecord,
    ContractRecord,
    DocumentRecord,
    PaymentRecord,
    ProjectRecord,
    Record,
    WorkRecord,
    settlement_status,
)
from accord.domain.reconciliation.rules import (
    COMPARISONS,
    Check,
    Comparison,
    Rule,
    Tolerances,
    compare,
    compare_all,
    display_value,
    settle,
)

__all__ = [
    "COMPARISONS",
    "OWNERS",
    "ChargeRecord",
    "Check",
    "Comparison",
    "ContractRecord",
    "Discrepancy",
    "DiscrepancyKind",
    "DocumentRecord",
    "Finding",
    "LeakageItem",
    "LeakageReport",
    "LeakageSource",
    "PaymentRecord",
    "ProjectRecord",
    "Record",
    "RecordColumns",
    "Rule",
    "Tolerances",
    "WorkRecord",
    "compare",
    "compare_all",
    "contract_leakage",
    "display_value",
    "double_billed",
    "leakage_report",
    "reported_unbilled_time",
    "revenue_leakage",
    "settle",
    "settlement_status",
    "standard_value",
]
