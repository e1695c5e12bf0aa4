"""Every dashboard table downloads as CSV: the page's filters apply, cells with commas,
quotes and line breaks come back intact through the csv module, money is a plain decimal,
and the rows agree with what the API returns."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from accord.adapters.billing_store import SqlAlchemyBillingStateStore
from accord.application.billing import BillingBook
from accord.application.security import Role
from accord.domain.exceptions import BusinessException, ExceptionKind
from tests.integration.api.conftest import ApiWorld, FakeReports
from tests.integration.api.test_api_dashboard_corrections import _sign_in
from tests.unit.billing.builders import make_state

INVOICE = {
    "number": "INV-1",
    "kind": "invoice",
    "contract": "K1",
    "customer": "C1",
    "customer_name": 'Acme, "the" GmbH',
    "issue_date": "2026-01-31",
    "net_total": "1234567.50",
    "gross_total": "1469135.33",
    "currency": "EUR",
    "status": "posted",
}
DISCREPANCY = {
    "comparison": "billing_vs_erp",
    "kind": "amount_mismatch",
    "keys": ["INV-1", "K1"],
    "owner": "finance",
    "amount_at_risk": "10.00",
    "currency": "EUR",
}


class CsvReports(FakeReports):
    def invoices(self) -> Sequence[Mapping[str, Any]]:
        return [INVOICE]

    def reconciliation(self) -> Mapping[str, Any]:
        return {"discrepancies": [DISCREPANCY]}


def _rows(world: ApiWorld, path: str) -> list[dict[str, str]]:
    response = world.client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


def _raise(world: ApiWorld, kind: ExceptionKind, subject: str, message: str) -> int:
    with world.hub.unit_of_work() as uow:
        found = uow.exceptions.raise_(
            BusinessException(kind, subject, message), {}, datetime.now(UTC)
        )
        uow.commit()
    return found


def test_every_table_downloads_as_csv(world: ApiWorld) -> None:
    world.serve(replace(world.ports, reports=CsvReports()))
    world.ports.invoice_runs.start(date(2026, 1, 31), "K1", "billing")  # type: ignore[union-attr]
    SqlAlchemyBillingStateStore(world.hub.engine).save(BillingBook(make_state()), 0)
    world.ports.periods.close("DE01", "2026-01")  # type: ignore[union-attr]
    erp = _raise(world, ExceptionKind.SYSTEM_UNAVAILABLE, "INV-1", 'ERP said "no",\nretry later')
    _raise(world, ExceptionKind.UNKNOWN_REFERENCE, "te-1", "unknown contract")
    finance = _raise(world, ExceptionKind.POSTING_REJECTED, "INV-2", "tax code refused")
    _sign_in(world, Role.ADMIN, "/exceptions")

    queue = world.client.get("/exceptions?owner=integration&severity=").text
    exceptions = _rows(world, "/exceptions.csv?owner=integration&severity=")
    invoices = _rows(world, "/invoices.csv")
    discrepancies = _rows(world, "/reconciliation/discrepancies.csv")
    runs = _rows(world, "/flows/runs.csv")
    periods = _rows(world, "/periods.csv")
    api = world.client.get(
        "/api/v1/exceptions?owner=integration", headers=world.as_role(Role.ADMIN)
    ).json()

    assert 'href="/exceptions.csv?owner=integration' in queue
    api_items = api["items"] if isinstance(api, dict) else api
    assert sorted(int(row["id"]) for row in exceptions) == sorted(i["id"] for i in api_items)
    assert len(exceptions) == 2 and finance not in {int(row["id"]) for row in exceptions}
    chosen = next(row for row in exceptions if int(row["id"]) == erp)
    assert chosen["message"] == 'ERP said "no",\nretry later'
    assert [row["customer_name"] for row in invoices] == ['Acme, "the" GmbH']
    assert (invoices[0]["net_total"], invoices[0]["currency"]) == ("1234567.50", "EUR")
    assert [(d["keys"], d["amount_at_risk"]) for d in discrepancies] == [("INV-1; K1", "10.00")]
    assert [(r["id"], r["status"]) for r in runs] == [("run-1", "running")]
    assert {"entity": "DE01", "period": "2026-01"} in periods
