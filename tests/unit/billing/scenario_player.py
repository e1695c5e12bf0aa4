"""A test-only player: drives the billing engine step by step from a scenario file.

The real runner plays scenarios through the hub's flows; this one calls the domain
functions directly, so the unit tests pin the engine's documents and figures alone.
Every issued document is confirmed as posted, as the sandbox ERP eventually does.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from accord.domain.billing.payments import apply_payment, confirm_posting
from accord.domain.billing.report import (
    format_amount,
    render_documents,
    render_held,
    render_intercompany,
    render_retainers,
)
from accord.domain.billing.run import InvoiceRunResult, run_invoicing, sign_contract
from accord.domain.billing.state import (
    BillingState,
    amend_contract,
    approve_expenses,
    approve_time,
    close_period,
    correct_time,
    decide_exception,
    new_state,
    set_milestone,
    transfer_resource,
)
from accord.domain.calendar import Period
from accord.domain.contracts.model import (
    Contract,
    CostRate,
    Customer,
    Employment,
    Entity,
    ExpensePolicy,
    Firm,
    FixedFeeTerm,
    FxQuote,
    Milestone,
    PersonRate,
    RateVersion,
    Resource,
    RetainerTerm,
    TaxCategory,
    TaxRule,
    Term,
    TimeAndMaterialsTerm,
)
from accord.domain.delivery.model import Expense, TimeEntry
from accord.domain.exceptions import BusinessException, ExceptionAction, ExceptionKind
from tests.scenario_files import scenarios_dir

SCENARIOS = scenarios_dir()
"""The scenario files; ACCORD_SCENARIOS_DIR overrides where the checkout keeps them."""


def _d(value: Any) -> Decimal:
    return Decimal(str(value))


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _rates(raw: list[dict[str, Any]]) -> tuple[RateVersion, ...]:
    return tuple(RateVersion(r["role"], _d(r["rate"]), _day(r["from"])) for r in raw)


def _person_rates(raw: list[dict[str, Any]]) -> tuple[PersonRate, ...]:
    return tuple(PersonRate(r["resource"], _d(r["rate"]), _day(r["from"])) for r in raw)


def _term(raw: dict[str, Any]) -> Term:
    if raw["type"] == "time_and_materials":
        cap = raw.get("cap")
        return TimeAndMaterialsTerm(
            raw["id"],
            _rates(raw["rates"]),
            _person_rates(raw.get("person_rates", [])),
            None if cap is None else _d(cap),
            _d(raw.get("billed_to_date", "0")),
        )
    if raw["type"] == "fixed_fee":
        milestones = tuple(
            Milestone(m["id"], m["name"], _d(m["percent"])) for m in raw["milestones"]
        )
        cost = raw.get("estimated_cost")
        return FixedFeeTerm(
            raw["id"], _d(raw["fee"]), milestones, None if cost is None else _d(cost)
        )
    return RetainerTerm(raw["id"], _d(raw["prepaid"]))


def _contract(raw: dict[str, Any]) -> Contract:
    policy = raw.get("expense_policy")
    return Contract(
        raw["id"],
        raw["customer"],
        raw["entity"],
        raw["currency"],
        _day(raw["start"]),
        _day(raw["end"]),
        tuple(_term(t) for t in raw["terms"]),
        ExpensePolicy(_d(policy["markup_percent"]), _d(policy["flat_fee"])) if policy else None,
        _d(raw.get("intercompany_markup_percent", "0")),
    )


def load_state(scenario: dict[str, Any]) -> BillingState:
    firm = scenario["firm"]
    return new_state(
        Firm(
            tuple(
                Entity(e["id"], e["name"], e["country"], e["currency"]) for e in firm["entities"]
            ),
            tuple(FxQuote(_day(q["date"]), q["from"], q["to"], _d(q["rate"])) for q in firm["fx"]),
            tuple(
                TaxRule(
                    t["entity"], t["customer_country"], TaxCategory(t["category"]), _d(t["rate"])
                )
                for t in firm["tax"]
            ),
        ),
        [Customer(c["id"], c["name"], c["country"]) for c in scenario["customers"]],
        [
            Resource(
                r["id"],
                r["name"],
                r["role"],
                tuple(Employment(e["entity"], _day(e["from"])) for e in r["employment"]),
                tuple(
                    CostRate(_day(c["from"]), _d(c["rate"]), c["currency"]) for c in r["cost_rates"]
                ),
            )
            for r in scenario["resources"]
        ],
        [_contract(c) for c in scenario["contracts"]],
    )


class Player:
    """Applies scenario events in file order and keeps what the report needs."""

    def __init__(self, scenario: dict[str, Any]) -> None:
        self.scenario = scenario
        self.state = load_state(scenario)
        self.intercompany: list[Any] = []
        self.open: dict[tuple[ExceptionKind, str], BusinessException] = {}

    def play(self) -> dict[str, Any]:
        for event in self.scenario["events"]:
            handler = getattr(self, "on_" + event["type"].replace(".", "_"))
            handler(event)
        return self.report()

    def _issued(self, result: InvoiceRunResult) -> None:
        self.state = result.state
        for document in result.documents:
            self.state = confirm_posting(self.state, document.number)
        self.intercompany += result.intercompany

    def on_contract_signed(self, e: dict[str, Any]) -> None:
        result = sign_contract(self.state, e["contract"], _day(e["at"]))
        self._issued(result)
        self.open.update({(x.kind, x.subject): x for x in result.exceptions})

    def on_contract_amended(self, e: dict[str, Any]) -> None:
        self.state = amend_contract(
            self.state,
            e["contract"],
            e["term"],
            _rates(e.get("rates", [])),
            _person_rates(e.get("person_rates", [])),
            _d(e["cap"]) if "cap" in e else None,
        )

    def on_time_approved(self, e: dict[str, Any]) -> None:
        entry = TimeEntry(
            e["id"],
            e["contract"],
            e["term"],
            e["resource"],
            _day(e["date"]),
            _d(e["hours"]),
            e.get("billable", True),
        )
        self.state = approve_time(self.state, [entry])

    def on_time_corrected(self, e: dict[str, Any]) -> None:
        self.state = correct_time(
            self.state,
            e["id"],
            _d(e["hours"]) if "hours" in e else None,
            e.get("billable"),
            _day(e["date"]) if "date" in e else None,
        )

    def on_expense_approved(self, e: dict[str, Any]) -> None:
        expense = Expense(
            e["id"],
            e["contract"],
            e["resource"],
            _day(e["date"]),
            _d(e["amount"]),
            e["currency"],
            e.get("billable", True),
        )
        self.state = approve_expenses(self.state, [expense])

    def on_milestone_accepted(self, e: dict[str, Any]) -> None:
        self.state = set_milestone(
            self.state, (e["contract"], e["term"], e["milestone"]), accepted=True
        )

    def on_milestone_hold(self, e: dict[str, Any]) -> None:
        self.state = set_milestone(
            self.state, (e["contract"], e["term"], e["milestone"]), on_hold=True
        )

    def on_milestone_release(self, e: dict[str, Any]) -> None:
        self.state = set_milestone(
            self.state, (e["contract"], e["term"], e["milestone"]), on_hold=False
        )

    def on_resource_transferred(self, e: dict[str, Any]) -> None:
        self.state = transfer_resource(self.state, e["resource"], e["entity"], _day(e["from"]))

    def on_invoice_run(self, e: dict[str, Any]) -> None:
        result = run_invoicing(self.state, _day(e["through"]), e.get("contract"))
        self._issued(result)
        self.open = {k: v for k, v in self.open.items() if k[0] is ExceptionKind.UNAPPLIED_PAYMENT}
        self.open.update({(x.kind, x.subject): x for x in result.exceptions})

    def on_payment_received(self, e: dict[str, Any]) -> None:
        self.state, problems = apply_payment(
            self.state, e["invoice"], _d(e["amount"]), e["currency"]
        )
        self.open.update({(x.kind, x.subject): x for x in problems})

    def on_period_closed(self, e: dict[str, Any]) -> None:
        self.state = close_period(self.state, e["entity"], Period.parse(e["period"]))

    def on_exception_resolved(self, e: dict[str, Any]) -> None:
        kind, action = ExceptionKind(e["kind"]), ExceptionAction(e["action"])
        self.state = decide_exception(self.state, kind, e["subject"], action)
        self.open.pop((kind, e["subject"]), None)

    def on_system_fault(self, e: dict[str, Any]) -> None:
        """Faults concern the hub's connectors, not the engine's figures."""

    def report(self) -> dict[str, Any]:
        documents = render_documents(self.state)
        gross: dict[str, Decimal] = {}
        for document in self.state.ledger.documents.values():
            gross[document.currency] = (
                gross.get(document.currency, Decimal(0)) + document.gross_total
            )
        return {
            "documents": documents,
            "held": render_held(self.state),
            "intercompany": render_intercompany(self.intercompany),
            "retainers": render_retainers(self.state),
            "exceptions": [
                {
                    "kind": x.kind.value,
                    "owner": x.owner.value,
                    "status": "open",
                    "subject": x.subject,
                }
                for x in self.open.values()
            ],
            "systems": {
                "erp": {
                    "documents": len(documents),
                    "gross_total_by_currency": {c: format_amount(v, c) for c, v in gross.items()},
                },
                "billing": {"documents": len(documents)},
                "psa": {"invoiced_entries": len(self.state.ledger.entries)},
            },
        }


def load_scenario(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text())
    return loaded
