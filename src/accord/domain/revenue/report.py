"""The revenue schedule as reports show it: one row per contract, term and period.

It lives beside recognition, not in billing's report, because revenue reads billing and
never the other way round."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from accord.domain.billing.report import format_amount
from accord.domain.revenue.recognition import RevenueRow


def render_revenue(rows: Iterable[RevenueRow]) -> list[dict[str, Any]]:
    """Each revenue row with its amounts formatted in the row's currency."""
    return [
        {
            "contract": r.contract,
            "term": r.term,
            "period": str(r.period),
            "recognized_cumulative": format_amount(r.recognized_cumulative, r.currency),
            "billed_cumulative": format_amount(r.billed_cumulative, r.currency),
            "contract_asset": format_amount(r.contract_asset, r.currency),
            "contract_liability": format_amount(r.contract_liability, r.currency),
        }
        for r in rows
    ]
