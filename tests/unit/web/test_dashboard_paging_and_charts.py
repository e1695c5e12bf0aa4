"""Dashboard tables page through long lists keeping their filters; charts with nothing to
draw say so."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from starlette.requests import Request

from accord.application.exception_handling import criticality_of
from accord.application.ports import ExceptionRecord
from accord.domain.criticality import Criticality
from accord.domain.exceptions import ExceptionKind, ExceptionStatus
from accord.http.ports import HubPorts
from accord.web.charts import bar_chart
from accord.web.kpi_view import readable_hours
from accord.web.pages import filtered_exceptions
from accord.web.paging import paginate


def _request(query: str) -> Request:
    return Request(
        {
            "type": "http",
            "method": "GET",
            "path": "/exceptions",
            "query_string": query.encode(),
            "headers": [],
        }
    )


def test_a_page_says_where_it_sits_and_links_both_ways_keeping_the_filters() -> None:
    page = paginate(list(range(1, 121)), _request("owner=billing&page=2&notice=done"))

    assert (page.rows[0], page.rows[-1], page.first, page.last, page.total) == (
        51,
        100,
        51,
        100,
        120,
    )
    assert page.previous_url == "/exceptions?owner=billing&page=1"
    assert page.next_url == "/exceptions?owner=billing&page=3"


def test_a_page_past_the_end_or_unreadable_falls_back_to_a_real_page() -> None:
    items = list(range(7))

    beyond = paginate(items, _request("page=9"), size=5)
    garbled = paginate(items, _request("page=-x"), size=5)
    empty = paginate([], _request(""))

    assert (beyond.rows, beyond.next_url, beyond.first) == ([5, 6], None, 6)
    assert (garbled.rows, garbled.previous_url) == ([0, 1, 2, 3, 4], None)
    assert (empty.rows, empty.first, empty.last, empty.next_url) == ([], 0, 0, None)


def test_two_tables_on_one_page_move_independently() -> None:
    request = _request("discrepancies_page=2")

    discrepancies = paginate(list(range(60)), request, "discrepancies_page")
    leakage = paginate(list(range(60)), request, "leakage_page")

    assert (discrepancies.first, leakage.first) == (51, 1)
    assert leakage.next_url == "/exceptions?discrepancies_page=2&leakage_page=2"


def test_a_chart_with_nothing_or_only_zeros_says_there_is_no_data() -> None:
    empty = bar_chart("Runs by status", [])
    zeros = bar_chart("Documents by status", [("issued", 0), ("posted", 0)], empty="none yet")
    drawn = bar_chart("Runs by status", [("success", 3), ("error", 1)])

    assert "<svg" not in empty and "Runs by status</strong>: no data yet." in empty
    assert "<svg" not in zeros and "none yet" in zeros
    assert "<svg" in drawn and drawn.count("<rect") == 2


def test_durations_read_in_hours_below_two_days_and_in_days_above() -> None:
    assert readable_hours("5.5") == "5.5 h"
    assert readable_hours("47.9") == "47.9 h"
    assert readable_hours("60.0") == "2.5 d"
    assert readable_hours(None) is None


def _record(id: int, kind: ExceptionKind, flow: str | None = None) -> ExceptionRecord:
    at = datetime(2026, 3, 2, tzinfo=UTC)
    details = {"workflow_id": flow} if flow else {}
    return ExceptionRecord(
        id, kind, kind.owner, "medium", f"s{id}", ExceptionStatus.OPEN, "m", details, at, at
    )


def test_the_queue_lists_critical_flows_first_and_reporting_last() -> None:
    records = [
        _record(1, ExceptionKind.RECONCILIATION_DISCREPANCY),
        _record(2, ExceptionKind.SYSTEM_UNAVAILABLE, "payment:P-1"),
        _record(3, ExceptionKind.CAP_REACHED),
        _record(4, ExceptionKind.RECONCILIATION_DISCREPANCY),
    ]
    hub = SimpleNamespace(exceptions=lambda *_: records, criticality=Criticality.default())
    request = _request("")
    request.scope["app"] = SimpleNamespace(state=SimpleNamespace(hub=hub, ports=HubPorts()))

    shown, _ = filtered_exceptions(request)

    assert [r.id for r in shown] == [2, 3, 1, 4]
    assert [criticality_of(hub, r).value for r in shown] == ["critical", "critical", "low", "low"]
