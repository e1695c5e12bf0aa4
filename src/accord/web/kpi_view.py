"""The KPI page's view of the KPI document: readable durations, cards and charts."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from markupsafe import Markup

from accord.web.charts import bar_chart
from accord.web.formatting import money

DAY_FROM_HOURS = Decimal(48)
"""Durations from two days up read in days, shorter ones in hours."""


def readable_hours(hours: str | None) -> str | None:
    """'5.5 h' or '3.2 d' (from 48 hours up); None when nothing was measured."""
    if hours is None:
        return None
    value = Decimal(hours)
    if value >= DAY_FROM_HOURS:
        return f"{value / 24:.1f} d"
    return f"{value:.1f} h"


def _timing(document: Mapping[str, Any], title: str, unit: str, empty: str) -> dict[str, Any]:
    rows = [(item["bucket"], int(item["count"])) for item in document.get("distribution", [])]
    return {
        "measured": document.get("measured", 0),
        "waiting": document.get("waiting", 0),
        "median": readable_hours(document.get("median_hours")),
        "p90": readable_hours(document.get("p90_hours")),
        "max": readable_hours(document.get("max_hours")),
        "chart": bar_chart(title, rows, unit, empty),
    }


def _billed_chart(row: Mapping[str, Any]) -> Markup:
    currency = str(row["currency"])
    bars = [("approved", Decimal(row["approved"])), ("billed", Decimal(row["billed"]))]
    return bar_chart(
        f"Billed vs approved, {currency}",
        bars,
        currency,
        "no approved or billed work yet",
        lambda value: money(value, currency),
    )


def kpi_context(kpis: Mapping[str, Any]) -> dict[str, Any]:
    """What kpis.html shows, from `Reports.kpis()` as the caller may see it."""
    billed = [{**row, "chart": _billed_chart(row)} for row in kpis.get("billed_vs_approved", [])]
    return {
        "billing": kpis,
        "activation": _timing(
            kpis.get("contract_activation", {}),
            "Contract activation time",
            "contracts",
            "no contract has finished activation yet",
        ),
        "cycle": _timing(
            kpis.get("invoice_cycle", {}),
            "Invoice cycle time",
            "documents",
            "no invoice has been posted yet",
        ),
        "first_time": kpis.get("first_time_posting", {}),
        "billed_vs_approved": billed,
        "queue_effort": [
            {**row, "median": readable_hours(row.get("median_hours_to_resolve"))}
            for row in kpis.get("queue_effort", [])
        ],
        "backlog_conversion": kpis.get("backlog_conversion", []),
        "disputes": kpis.get("disputes", []),
        "status_chart": bar_chart(
            "Documents by status",
            list(kpis.get("documents_by_status", {}).items()),
            "documents",
            "no document has been issued yet",
        ),
    }
