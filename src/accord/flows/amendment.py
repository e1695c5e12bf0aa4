"""Amendment propagation: a contract's amended terms reach billing and the PSA, once.

Workflow id `amend:<contract>:<version>`, the contract version that carried the
amendment (new rate versions, a new cap). The scheduler starts it once the contract is
active everywhere; it republishes the terms as they stand to the billing system and the
PSA's rate card, both upserts keyed by the contract, so a repeat, a replay or a later
amendment's flow leaves one copy of the terms. A failing step opens an exception about
`<contract>@v<version>` and waits on it (see `posting.run_until_done`); the amendment is
marked carried only after both systems hold it.
"""

from __future__ import annotations

from functools import partial

from dbos import DBOS

from accord.application.flow_steps import AmendmentSteps
from accord.application.steps.context import StepOutcome
from accord.flows import dispatch
from accord.flows.posting import run_until_done, until_store_answers
from accord.flows.runtime import FlowSteps
from accord.observability import business_transaction, instrumented_step

steps: FlowSteps[AmendmentSteps] = FlowSteps("amendment")
"""The use cases this flow orchestrates, handed to it by `engine.launch`."""


def workflow_id(contract: str, version: int) -> str:
    return f"amend:{contract}:{version}"


def subject(contract: str, version: int) -> str:
    """What the amendment's exceptions are about: the contract at that version."""
    return f"{contract}@v{version}"


@DBOS.step()
@instrumented_step("amendment", "publish_terms")
def publish_amended_terms(contract: str) -> StepOutcome:
    return steps().publish_terms(contract)


@DBOS.step()
@instrumented_step("amendment", "publish_rates")
def publish_amended_rates(contract: str) -> StepOutcome:
    return steps().publish_rates_in_psa(contract)


@DBOS.step()
@instrumented_step("amendment", "mark_propagated")
def mark_propagated(contract: str, version: int) -> None:
    steps().amendment_propagated(contract, version)


@dispatch.workflow("propagate_amendment")
def propagate_amendment(contract: str, version: int) -> str:
    about = subject(contract, version)
    with business_transaction("contract", contract):
        run_until_done(about, partial(publish_amended_terms, contract))
        run_until_done(about, partial(publish_amended_rates, contract))
        until_store_answers(about, partial(mark_propagated, contract, version))
    return about


def start_amendment(contract: str, version: int) -> None:
    """Start (or find) the propagation of a contract's amendment."""
    dispatch.current().start(propagate_amendment, workflow_id(contract, version), contract, version)
