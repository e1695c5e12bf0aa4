"""Contract activation: its steps, what undoes each one, and what a rejection undoes.

Activation writes to four systems in order. When a step cannot proceed and a person
rejects the activation, every system it already changed is set back (in reverse order),
so no system is left half-activated. A step that failed with an outage may still have
landed (a write that timed out after the system applied it), so it is undone too; a
step the system refused wrote nothing. Every compensation is safe to repeat and safe on
a system that never got the write.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Mapping, Sequence
from enum import StrEnum

from accord.domain.exceptions import ExceptionKind


class ActivationStep(StrEnum):
    """The activation steps that change another system, in the order they run."""

    SET_UP_IN_ERP = "set_up_in_erp"
    PUBLISH_TERMS = "publish_terms"
    PROVISION_IN_PSA = "provision_in_psa"
    CONFIRM_IN_CRM = "confirm_in_crm"


class Compensation(StrEnum):
    """What sets one system back after a rejected activation."""

    DEACTIVATE_ERP_PROJECT = "deactivate_erp_project"
    WITHDRAW_BILLING_TERMS = "withdraw_billing_terms"
    CLOSE_PSA_PROJECT = "close_psa_project"
    WITHDRAW_CRM_ACTIVATION = "withdraw_crm_activation"


COMPENSATIONS: dict[ActivationStep, Compensation] = {
    ActivationStep.SET_UP_IN_ERP: Compensation.DEACTIVATE_ERP_PROJECT,
    ActivationStep.PUBLISH_TERMS: Compensation.WITHDRAW_BILLING_TERMS,
    ActivationStep.PROVISION_IN_PSA: Compensation.CLOSE_PSA_PROJECT,
    ActivationStep.CONFIRM_IN_CRM: Compensation.WITHDRAW_CRM_ACTIVATION,
}


def compensations_on_rejection(
    completed: Sequence[ActivationStep], failed: ActivationStep, failure: ExceptionKind
) -> tuple[Compensation, ...]:
    """The compensations a rejected activation runs, last change first.

    `completed` are the steps that succeeded before `failed`, which failed as `failure`:
    an outage (`system_unavailable`) may have landed the write anyway, so it is undone
    too; a refusal (`posting_rejected`) wrote nothing.
    """
    may_have_landed = failure is ExceptionKind.SYSTEM_UNAVAILABLE
    undo = [*completed, failed] if may_have_landed else list(completed)
    return tuple(COMPENSATIONS[step] for step in reversed(undo))


def amendments_to_carry(
    due: Mapping[str, int],
    started: Container[tuple[str, int]],
    is_activated: Callable[[str], bool],
) -> list[tuple[str, int]]:
    """The amendments (contract, version) to carry to billing and the PSA now.

    Of the amendments `due`, each not `started` yet whose contract's activation finished:
    activation publishes the terms as they stand, so an amendment waits for it, and a
    rejected activation's contract is never amended. `is_activated` is asked only about
    the amendments not started yet.
    """
    return [
        (contract, version)
        for contract, version in due.items()
        if (contract, version) not in started and is_activated(contract)
    ]
