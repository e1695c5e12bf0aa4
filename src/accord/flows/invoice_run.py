"""The invoice run: issue documents for a scope and period, then post each one.

Workflow id `invoice-run:<scope>:<through>:<requested at>`: the same request started twice
runs once. Issuing is one step (the engine numbers documents in contract order); posting
is a flow per document, so an ERP outage holds up only the documents it touches. Anything
issued but not yet posted — by this run or an earlier one — is handed to posting, so a
crash between issuing and posting loses nothing.
"""

from __future__ import annotations

from datetime import date
from functools import partial

from dbos import DBOS

from accord.flows import dispatch
from accord.flows.posting import start_posting, until_store_answers
from accord.flows.runtime import services
from accord.observability import business_transaction, instrumented_step


def workflow_id(through: date, contract: str | None, requested_at: str) -> str:
    return f"invoice-run:{contract or 'all'}:{through.isoformat()}:{requested_at}"


@DBOS.step()
@instrumented_step("invoice_run", "issue_documents")
def issue_documents(through: str, contract: str | None) -> list[str]:
    return services().contract_to_cash.issue(date.fromisoformat(through), contract)


@DBOS.step()
@instrumented_step("invoice_run", "documents_awaiting_posting")
def documents_awaiting_posting() -> list[str]:
    return services().contract_to_cash.awaiting_posting()


@dispatch.workflow("invoice_run")
def invoice_run(through: str, contract: str | None) -> list[str]:
    run = DBOS.workflow_id or through
    with business_transaction("invoice_run", run):
        issued = until_store_answers(run, partial(issue_documents, through, contract))
        for number in until_store_answers(run, documents_awaiting_posting):
            start_posting(number)
    return issued


def run_invoices(through: date, contract: str | None, requested_at: str) -> list[str]:
    """Run (or find) the invoice run and return the numbers it issued."""
    run_id = workflow_id(through, contract, requested_at)
    dispatch.current().start(invoice_run, run_id, through.isoformat(), contract)
    issued: list[str] = dispatch.current().result(run_id)
    return issued
