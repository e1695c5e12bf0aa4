"""The dry run of a correction values it with the billing engine on a copy of the state:
fewer hours on invoiced time become a credit note line, a change in a closed period an
exception for finance, and a record that is not billed says so."""

from __future__ import annotations

import json
from datetime import date

from accord.application.correction_impact import billing_impact
from accord.domain.billing.run import run_invoicing
from accord.domain.billing.state import BillingState, approve_time, close_period
from accord.domain.calendar import Period
from tests.unit.billing.builders import JAN, entry, make_state

TODAY = date(2026, 2, 10)


def _invoiced() -> BillingState:
    return run_invoicing(approve_time(make_state(), [entry("T1", 9, "10")]), JAN).state


def _t1(hours: str) -> str:
    data = {"id": "T1", "contract": "K1", "term": "TM", "resource": "R1", "date": "2026-01-09"}
    return json.dumps({"data": {**data, "hours": hours}})


def test_fewer_hours_on_invoiced_time_would_be_credited() -> None:
    impact = billing_impact(lambda *_: _invoiced(), "time_entry", _t1("8"), TODAY)

    [line] = impact.added
    assert (line["document"], line["quantity"], line["net"]) == ("credit_note", "-2.00", "-300.00")
    assert impact.removed == [] and impact.exceptions == []
    assert (impact.contract, impact.through) == ("K1", TODAY)


def test_a_change_in_a_closed_period_would_wait_for_finance() -> None:
    closed = close_period(_invoiced(), "DE01", Period(2026, 1))

    impact = billing_impact(lambda *_: closed, "time_entry", _t1("8"), TODAY)

    assert impact.added == []
    [raised] = impact.exceptions
    assert raised.startswith("closed_period_change:")


def test_a_record_billing_does_not_bill_or_know_says_so() -> None:
    customer = json.dumps({"data": {"id": "C2", "name": "Two", "country": "DE"}})
    unknown = _t1("8").replace('"K1"', '"K7"')

    assert "not billed by itself" in str(
        billing_impact(lambda *_: _invoiced(), "customer", customer, TODAY).note
    )
    assert "cannot value it yet" in str(
        billing_impact(lambda *_: _invoiced(), "time_entry", unknown, TODAY).note
    )
