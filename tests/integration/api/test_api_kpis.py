"""The KPI endpoint and the KPI page report the business KPIs from the hub's reports;
the dashboard's tables page through long lists and its charts say when there is no data."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from accord.application.security import Role
from tests.integration.api.conftest import ApiWorld, FakeReports
from tests.unit.kpis.fakes import (
    SEEDED_KPIS,
    FakeAppliedRecords,
    FakeBillingStore,
    FakeClock,
    FakeExceptionHistory,
    FakeReconciliation,
    kpi_sections,
    seeded_reports,
)


def _sign_in(world: ApiWorld, role: Role = Role.VIEWER) -> None:
    signed_in = world.client.post(
        "/login",
        data={"token": world.tokens[role]},
        headers={"Origin": "http://testserver"},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303


def _empty_reports() -> Any:
    from accord.application.billing import BillingService
    from accord.application.reports import HubReports

    clock = FakeClock()
    billing = BillingService(FakeBillingStore(), FakeAppliedRecords(), clock=clock)
    return HubReports(billing, FakeReconciliation(), clock, FakeExceptionHistory())  # type: ignore[arg-type]


def test_the_kpi_endpoint_reports_the_business_kpis(world: ApiWorld) -> None:
    world.serve(replace(world.ports, reports=seeded_reports().reports))

    answer = world.client.get("/api/v1/kpis", headers=world.as_role(Role.VIEWER))

    assert answer.status_code == 200
    body = answer.json()
    assert kpi_sections(body["billing"]) == SEEDED_KPIS
    assert body["billing"]["documents"] == 1
    assert body["event_log"]["outbox_unpublished"] == 0


def test_the_kpi_endpoint_reads_null_before_anything_is_measured(world: ApiWorld) -> None:
    world.serve(replace(world.ports, reports=_empty_reports()))

    body = world.client.get("/api/v1/kpis", headers=world.as_role(Role.VIEWER)).json()

    billing = body["billing"]
    assert billing["contract_activation"]["median_hours"] is None
    assert billing["invoice_cycle"]["measured"] == 0
    assert billing["first_time_posting"]["percent"] is None
    assert billing["billed_vs_approved"] == []


def test_the_kpi_endpoint_needs_the_reports_permission(world: ApiWorld) -> None:
    world.serve(replace(world.ports, reports=seeded_reports().reports))

    anonymous = world.client.get("/api/v1/kpis")

    assert anonymous.status_code == 401


def _metric(page: str, name: str) -> str:
    found = re.search(rf'data-metric="{re.escape(name)}">([^<]*)<', page)
    assert found, f"no metric {name}"
    return found.group(1)


def test_the_kpi_page_shows_each_kpi_with_its_chart(world: ApiWorld) -> None:
    world.serve(replace(world.ports, reports=seeded_reports().reports))
    _sign_in(world)

    page = world.client.get("/kpis").text

    assert _metric(page, "activation-median") == "36.0 h"
    assert _metric(page, "cycle-median") == "5.0 h"
    assert _metric(page, "first-time-posting") == "0.0%"
    assert _metric(page, "billed-percent-EUR") == "80.0%"
    assert (_metric(page, "billed-EUR"), _metric(page, "approved-EUR")) == (
        "1,800.00 EUR",
        "2,250.00 EUR",
    )
    for chart in ("Contract activation time", "Invoice cycle time", "Billed vs approved, EUR"):
        assert f'aria-label="{chart}"' in page
    assert "no data yet" not in page


def test_an_empty_hub_shows_no_data_instead_of_empty_charts(world: ApiWorld) -> None:
    world.serve(replace(world.ports, reports=_empty_reports()))
    _sign_in(world)

    page = world.client.get("/kpis").text

    assert "<svg" not in page
    assert "no contract has finished activation yet" in page
    assert "no invoice has been posted yet" in page
    assert "no document has been issued yet" in page
    assert _metric(page, "activation-median") == "none activated yet"


class ManyInvoices(FakeReports):
    def invoices(self) -> Sequence[Mapping[str, Any]]:
        return [
            {"number": f"INV-{n:04d}", "status": "posted", "currency": "EUR", "net_total": "1.00"}
            for n in range(120, 0, -1)
        ]

    def now(self) -> datetime:
        return datetime(2026, 2, 2, tzinfo=UTC)


def _numbers(page: str) -> list[str]:
    return re.findall(r">(INV-\d{4})</a>", page)


def test_long_tables_show_a_page_at_a_time_and_link_to_the_next(world: ApiWorld) -> None:
    world.serve(replace(world.ports, reports=ManyInvoices()))
    _sign_in(world)

    first = world.client.get("/invoices").text
    following = re.search(r'href="([^"]+)" rel="next"', first)
    assert following
    second = world.client.get(following.group(1).replace("&amp;", "&")).text
    last = world.client.get("/invoices?page=3").text

    assert "Showing <span data-shown>1–50</span> of <span data-total>120</span>" in first
    assert _numbers(first)[0] == "INV-0120" and len(_numbers(first)) == 50
    assert "<span data-shown>51–100</span>" in second and _numbers(second)[0] == "INV-0070"
    assert "<span data-shown>101–120</span>" in last and len(_numbers(last)) == 20
    assert 'rel="next"' not in last and 'rel="prev"' in last


def test_the_kpis_report_queue_effort_and_backlog_conversion_per_month(world: ApiWorld) -> None:
    seeded = seeded_reports()
    rejected, unavailable = seeded.history.records
    seeded.history.records[:] = [
        replace(rejected, resolved_at=datetime(2026, 2, 1, 6, tzinfo=UTC)),
        replace(unavailable, resolved_at=datetime(2026, 3, 2, tzinfo=UTC)),
    ]
    seeded.clock.now = datetime(2026, 4, 2, tzinfo=UTC)
    seeded.billing.run_invoices(date(2026, 3, 31))  # bills the 3 h of 2 February
    world.serve(replace(world.ports, reports=seeded.reports))
    _sign_in(world)

    billing = world.client.get("/api/v1/kpis", headers=world.as_role(Role.VIEWER)).json()["billing"]
    page = world.client.get("/kpis").text

    effort = {row["period"]: row for row in billing["queue_effort"]}
    assert list(effort) == ["2025-11", "2025-12", "2026-01", "2026-02", "2026-03", "2026-04"]
    assert effort["2026-02"] == {
        "period": "2026-02",
        "opened": 2,
        "closed": 1,
        "median_hours_to_resolve": "6.0",
    }
    assert (effort["2026-03"]["closed"], effort["2026-03"]["median_hours_to_resolve"]) == (
        1,
        "696.0",
    )
    conversion = {row["period"]: row for row in billing["backlog_conversion"]}
    assert conversion["2026-01"]["billed_in_period"] == "1800.00"
    assert conversion["2026-03"] == {
        "period": "2026-03",
        "currency": "EUR",
        "backlog_at_start": "450.00",
        "backlog_billed": "450.00",
        "billed_in_period": "450.00",
        "conversion_percent": "100.0",
    }
    assert _metric(page, "closed-2026-02") == "1"
    assert _metric(page, "resolve-median-2026-03") == "29.0 d"
    assert _metric(page, "conversion-2026-03-EUR") == "100.0%"
    disputed = {row["period"]: row for row in billing["disputes"]}
    assert list(disputed) == ["2026-01", "2026-03"]  # the months that issued invoices
    assert (disputed["2026-01"]["invoices"], disputed["2026-01"]["disputed"]) == (1, 0)
    assert disputed["2026-01"]["disputed_percent"] == "0.0"
    assert _metric(page, "disputed-2026-01-EUR") == "0"
