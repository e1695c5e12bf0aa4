"""CSV downloads of the dashboard's tables: the rows the page shows (every page of them),
with the page's filters, masked as the page masks them. Rows are streamed as they are
written; cells are quoted by the csv module; money is a plain decimal (`1234.50`), with
its currency in a column of its own, so a spreadsheet reads it as a number."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.responses import StreamingResponse

from accord.application.masking import masked_for
from accord.application.security import Principal
from accord.http.ports import periods_of, ports
from accord.web.pages import filtered_exceptions, reports_of

router = APIRouter(include_in_schema=False)
EXCEPTIONS = ("id", "kind", "owner", "severity", "status", "subject", "assignee", "tags")
INVOICES = ("number", "kind", "contract", "customer", "customer_name", "issue_date")
MONEY = ("net_total", "gross_total", "currency", "status")
DISCREPANCIES = ("comparison", "kind", "keys", "owner", "amount_at_risk", "currency")
RUNS = ("id", "kind", "status", "started_at", "requested_by", "parameters", "result")


def _cell(value: Any) -> str:
    """One value as a CSV cell: decimals plain, lists joined, mappings as JSON."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, float):
        return f"{Decimal(repr(value)):f}"
    if isinstance(value, list | tuple):
        return "; ".join(_cell(item) for item in value)
    if isinstance(value, Mapping):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)


def _lines(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def csv_response(
    name: str, columns: Sequence[str], rows: Iterable[Mapping[str, Any]]
) -> StreamingResponse:
    """A streamed CSV download named `name`.csv."""
    return StreamingResponse(
        _lines(columns, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


def _shown(request: Request, document: Any) -> Any:
    principal: Principal = request.state.principal
    return masked_for(principal, jsonable_encoder(document, custom_encoder={Decimal: _cell}))


@router.get("/exceptions.csv")
async def exceptions_csv(request: Request) -> StreamingResponse:
    """The exception queue with the page's filters (owner, severity, age, status, ...)."""
    shown, now = await run_in_threadpool(filtered_exceptions, request)
    rows = (
        {
            **{column: getattr(r, column) for column in EXCEPTIONS},
            "created_at": r.created_at.isoformat(),
            "sla_due": r.sla_due.isoformat() if r.sla_due else None,
            "age_hours": round((now - r.created_at).total_seconds() / 3600, 1),
            "message": r.message,
        }
        for r in shown
    )
    extra = ("created_at", "sla_due", "age_hours", "message")
    return csv_response("exceptions", (*EXCEPTIONS, *extra), rows)


@router.get("/invoices.csv")
async def invoices_csv(request: Request) -> StreamingResponse:
    """Every issued document, as the invoices page lists it."""
    found = await run_in_threadpool(reports_of(request).invoices)
    return csv_response("invoices", (*INVOICES, *MONEY), _shown(request, list(found)))


@router.get("/reconciliation/discrepancies.csv")
async def discrepancies_csv(request: Request) -> StreamingResponse:
    """The discrepancies the last reconciliation run found."""
    found = _shown(request, dict(await run_in_threadpool(reports_of(request).reconciliation)))
    return csv_response("discrepancies", DISCREPANCIES, found.get("discrepancies", []))


@router.get("/flows/runs.csv")
async def runs_csv(request: Request) -> StreamingResponse:
    """Every invoice run the hub has started, newest first."""
    runner = ports(request).invoice_runs
    runs = list(await run_in_threadpool(runner.runs)) if runner is not None else []
    rows = [{column: getattr(run, column) for column in RUNS} for run in runs]
    return csv_response("invoice-runs", RUNS, _shown(request, rows))


@router.get("/periods.csv")
async def periods_csv(request: Request) -> StreamingResponse:
    """One row per closed accounting period and entity."""
    closed = await run_in_threadpool(periods_of(request).closed)
    rows = [
        {"entity": entity, "period": month} for entity, months in closed.items() for month in months
    ]
    return csv_response("periods", ("entity", "period"), rows)
