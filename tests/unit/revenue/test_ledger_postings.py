"""Journal entries as canonical `LedgerPosting` v1, with the firm's account codes."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal as D

import pytest

from accord.application.journals import (
    PAGE,
    ChartOfAccountsError,
    LedgerJournals,
    chart_of_accounts,
    ledger_postings,
    project_dimensions,
)
from accord.application.ports import BusinessObject
from accord.domain.billing.state import BillingState
from accord.domain.calendar import Period
from accord.domain.revenue.journals import DEFAULT_ACCOUNTS, AccountRole
from tests.unit.revenue.journal_builders import fixed_fee_ahead_of_billing, uk_charge


class _Billing:
    def __init__(self, state: BillingState) -> None:
        self._state = state

    def state(self) -> BillingState:
        return self._state

    def by_contracts(self) -> list[BillingState]:
        return [self._state]

    def firm_state(self) -> BillingState:
        return self._state


def _withuk_charge() -> BillingState:
    state = fixed_fee_ahead_of_billing()
    return replace(state, ledger=replace(state.ledger, intercompany=(uk_charge("880.00"),)))


def test_each_entry_becomes_a_balanced_posting_under_the_firms_account_codes() -> None:
    chart = chart_of_accounts("revenue=700000, contract_asset = 418100")
    postings = ledger_postings(_withuk_charge(), chart)
    (jan,) = [p for p in postings if p.document_number == "DE01/2026-01/revenue/K1/EUR"]
    assert (jan.document_number, jan.entity, jan.currency, jan.business_key()) == (
        "DE01/2026-01/revenue/K1/EUR",
        "DE01",
        "EUR",
        "DE01/DE01/2026-01/revenue/K1/EUR",
    )
    assert [(line.account, line.debit, line.credit) for line in jan.lines] == [
        ("700000", D(0), D(42000)),
        (DEFAULT_ACCOUNTS[AccountRole.BILLINGS], D(36000), D(0)),
        ("418100", D(6000), D(0)),
    ]
    assert jan.dimensions == {"kind": "revenue", "period": "2026-01", "contract": "K1"}
    assert sorted(p.entity for p in postings if p.dimensions["kind"] != "revenue") == [
        "DE01",
        "UK01",
    ]


def test_the_read_model_filters_by_month_and_entity() -> None:
    journals = LedgerJournals(_Billing(_withuk_charge()))
    assert [p.document_number for p in journals.postings(Period(2026, 1), "UK01")] == [
        "UK01/2026-01/intercompany_revenue/K1/GBP"
    ]
    assert len(journals.postings(Period(2026, 1))) == 3
    assert len(journals.postings()) == 4
    assert journals.postings(Period(2026, 3)) == []


@pytest.mark.parametrize("spec", ["turnover=4000", "revenue=", "revenue"])
def test_an_unreadable_account_mapping_names_the_roles(spec: str) -> None:
    with pytest.raises(ChartOfAccountsError, match="the roles are revenue, billings"):
        chart_of_accounts(spec)


class _Projects:
    """Applied project records, served page by page by key."""

    def __init__(self, projects: dict[str, str]) -> None:
        self._records = [
            BusinessObject("project", key, "1", json.dumps({"id": key, "contract": contract}), 1)
            for key, contract in sorted(projects.items())
        ]

    def page(self, kind: str, after_key: str | None, limit: int) -> list[BusinessObject]:
        later = [
            r for r in self._records if kind == r.kind and (after_key is None or r.key > after_key)
        ]
        return later[:limit]

    def get(self, kind: str, key: str) -> BusinessObject | None:
        return None


def test_a_contract_delivered_through_one_project_carries_it_and_several_carry_none() -> None:
    many = {f"P{n:04d}": f"K{n:04d}" for n in range(PAGE + 3)}
    projects = _Projects({**many, "PA": "KA", "PB": "KA"})
    found = project_dimensions(projects)
    assert found["K0000"] == {"project": "P0000"}
    assert found[f"K{PAGE + 2:04d}"] == {"project": f"P{PAGE + 2:04d}"}
    assert "KA" not in found
