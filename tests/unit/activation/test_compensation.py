"""Which compensations a rejected activation runs, and how a rejection reaches its flow."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest

from accord.application.exception_actions import ExceptionActionService
from accord.application.operations import ActionNotAvailable
from accord.application.ports import ExceptionRecord
from accord.application.steps.activation import ContractActivation
from accord.application.steps.context import Gateways, StepContext
from accord.domain.activation import (
    ActivationStep,
    Compensation,
    compensations_on_rejection,
)
from accord.domain.exceptions import (
    ExceptionAction,
    ExceptionKind,
    ExceptionStatus,
    OwnerRole,
    actions_for,
)

ERP, BILLING, PSA, CRM = (
    ActivationStep.SET_UP_IN_ERP,
    ActivationStep.PUBLISH_TERMS,
    ActivationStep.PROVISION_IN_PSA,
    ActivationStep.CONFIRM_IN_CRM,
)
UNAVAILABLE, REFUSED = ExceptionKind.SYSTEM_UNAVAILABLE, ExceptionKind.POSTING_REJECTED


def test_a_refused_step_undoes_only_what_completed_before_it_last_change_first() -> None:
    plan = compensations_on_rejection([ERP, BILLING], PSA, REFUSED)

    assert plan == (Compensation.WITHDRAW_BILLING_TERMS, Compensation.DEACTIVATE_ERP_PROJECT)


def test_a_step_lost_to_an_outage_may_have_landed_so_it_is_undone_first() -> None:
    plan = compensations_on_rejection([ERP, BILLING], PSA, UNAVAILABLE)

    assert plan == (
        Compensation.CLOSE_PSA_PROJECT,
        Compensation.WITHDRAW_BILLING_TERMS,
        Compensation.DEACTIVATE_ERP_PROJECT,
    )


def test_a_refusal_at_the_first_step_has_nothing_to_undo() -> None:
    assert compensations_on_rejection([], ERP, REFUSED) == ()


def test_a_failure_at_the_crm_sets_back_every_other_system() -> None:
    plan = compensations_on_rejection([ERP, BILLING, PSA], CRM, UNAVAILABLE)

    assert plan == (
        Compensation.WITHDRAW_CRM_ACTIVATION,
        Compensation.CLOSE_PSA_PROJECT,
        Compensation.WITHDRAW_BILLING_TERMS,
        Compensation.DEACTIVATE_ERP_PROJECT,
    )


def test_reject_is_offered_only_where_the_waiting_flow_can_compensate() -> None:
    assert ExceptionAction.REJECT not in actions_for(REFUSED)
    assert ExceptionAction.REJECT in actions_for(REFUSED, compensable=True)
    assert actions_for(ExceptionKind.CLOSED_PERIOD_CHANGE, compensable=True) == (
        ExceptionAction.APPROVE,
        ExceptionAction.REJECT,
    )


@dataclass
class FakeFailure(Exception):
    """What a gateway raises: satisfies the application's `GatewayFailure`."""

    retryable: bool
    reason: str = "down"
    retry_after: float | None = None


@dataclass
class FakeSystem:
    """One system's compensation endpoints, recording what was set back."""

    down: bool = False
    calls: list[tuple[str, str]] = field(default_factory=list)

    def _record(self, what: str, key: str) -> None:
        if self.down:
            raise FakeFailure(retryable=True)
        self.calls.append((what, key))

    def deactivate_project(self, key: str) -> None:
        self._record("deactivate_project", key)

    def withdraw_terms(self, key: str) -> None:
        self._record("withdraw_terms", key)

    def close_project(self, key: str) -> None:
        self._record("close_project", key)

    def withdraw_activation(self, key: str) -> None:
        self._record("withdraw_activation", key)


def _activation(**systems: FakeSystem) -> ContractActivation:
    gateways: Any = Gateways(**systems)  # type: ignore[arg-type]
    context = StepContext(billing=None, exceptions=None, gateways=gateways, records=None)  # type: ignore[arg-type]
    return ContractActivation(context)


@pytest.mark.parametrize(
    ("compensation", "system", "call"),
    [
        (Compensation.DEACTIVATE_ERP_PROJECT, "erp", "deactivate_project"),
        (Compensation.WITHDRAW_BILLING_TERMS, "billing", "withdraw_terms"),
        (Compensation.CLOSE_PSA_PROJECT, "psa", "close_project"),
        (Compensation.WITHDRAW_CRM_ACTIVATION, "crm", "withdraw_activation"),
    ],
)
def test_each_compensation_sets_back_its_own_system_by_contract(
    compensation: Compensation, system: str, call: str
) -> None:
    systems = {name: FakeSystem() for name in ("erp", "billing", "psa", "crm")}

    outcome = _activation(**systems).compensate("K1", compensation)

    assert outcome.done
    assert {name: s.calls for name, s in systems.items() if s.calls} == {system: [(call, "K1")]}


def test_a_compensation_on_a_system_that_is_down_is_an_outage_to_wait_on() -> None:
    systems = {name: FakeSystem(down=name == "psa") for name in ("erp", "billing", "psa", "crm")}

    outcome = _activation(**systems).compensate("K1", Compensation.CLOSE_PSA_PROJECT)

    assert (outcome.done, outcome.kind, outcome.system) == (False, UNAVAILABLE.value, "psa")


class FakeExceptions:
    """The exception queue as the action service uses it: one record, closures noted."""

    def __init__(self, record: ExceptionRecord) -> None:
        self.record = record
        self.closed: list[str] = []

    def get(self, exception_id: int) -> ExceptionRecord:
        assert exception_id == self.record.id
        return self.record

    def close(self, kind: ExceptionKind, subject: str, note: str) -> bool:
        self.closed.append(note)
        return True


def _failure(compensable: bool) -> ExceptionRecord:
    details: dict[str, Any] = {"workflow_id": "activate:K1", "system": "psa"}
    if compensable:
        details["compensable"] = True
    return ExceptionRecord(
        id=7,
        kind=REFUSED,
        owner=OwnerRole.FINANCE,
        severity="high",
        subject="K1",
        status=ExceptionStatus.OPEN,
        message="psa: refused",
        details=details,
        sla_due=dt.datetime(2026, 1, 3, tzinfo=dt.UTC),
        created_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC),
    )


def test_a_rejection_is_delivered_to_the_waiting_activation_which_closes_it_later() -> None:
    woken: list[tuple[str, ExceptionAction, str]] = []
    exceptions = FakeExceptions(_failure(compensable=True))
    service = ExceptionActionService(exceptions, None, lambda *a: woken.append(a))  # type: ignore[arg-type]

    service.act(7, ExceptionAction.REJECT, "deal lost", "pmo")

    assert woken == [("activate:K1", ExceptionAction.REJECT, "pmo: deal lost")]
    assert exceptions.closed == []


def test_reject_is_refused_where_no_flow_can_compensate() -> None:
    service = ExceptionActionService(FakeExceptions(_failure(compensable=False)), None, print)  # type: ignore[arg-type]

    with pytest.raises(ActionNotAvailable, match="allows only"):
        service.act(7, ExceptionAction.REJECT, "deal lost", "pmo")
