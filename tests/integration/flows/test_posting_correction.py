"""A posting the ERP refused is corrected by finance, approved by a second person and
posted once through the posting flow; the ERP holds the corrected document."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from accord.application.corrections import CorrectionRefused, CorrectionService
from accord.application.operations import ActionNotAvailable
from accord.bootstrap import Wired, configure_firm, correcting_postings
from accord.domain.billing.documents import DocumentStatus
from accord.domain.corrections import CorrectionStatus, FourEyesViolation
from accord.domain.exceptions import ExceptionKind, ExceptionStatus, OwnerRole
from accord.scenarios.format import load_scenario
from tests.integration.flows._flow_proc import DurableRunner
from tests.scenario_files import scenario_file

SCENARIO = scenario_file("tm-correction-de.yaml")
FIRST_INVOICE_RUN = 3
NUMBER = "INV-DE01-000001"


def test_a_refused_posting_corrected_and_approved_by_a_second_person_posts_once(
    tmp_path: Path,
) -> None:
    scenario = load_scenario(SCENARIO)
    events = scenario.events[: FIRST_INVOICE_RUN + 1]
    runner = DurableRunner(scenario, tmp_path, events[0].at)
    with runner.started() as run:
        configure_firm(run.hub, run.services.billing, scenario.firm)
        run.world.seed(scenario)
        erp = run.services.connectors["sandbox-erp"]
        erp.close_period("DE01", "2026-01")  # type: ignore[attr-defined]
        for index, event in enumerate(events):
            runner.advance(run, event.at)
            runner.apply(run, index, event)
            runner.settle(run)

        rejected = run.services.exceptions.find_open(ExceptionKind.POSTING_REJECTED, NUMBER)
        assert rejected is not None and rejected.owner is OwnerRole.FINANCE
        assert "PERIOD_CLOSED" in rejected.message
        offline = run.hub.corrections  # a shell's: it cannot wake the posting flow
        assert offline is not None
        with pytest.raises(ActionNotAvailable, match="running hub"):
            offline.submit(rejected.id, "{}", "fin-ada", "from a shell")
        corrections = correcting_postings(Wired(run.hub, run.services, run.landscape.clock.now))
        assert isinstance(corrections, CorrectionService)

        payload = json.loads(corrections.stored_payload(rejected.id) or "{}")
        assert payload["number"] == NUMBER and payload["issue_date"] == "2026-01-31"
        changed_amount = {**payload, "lines": [{**payload["lines"][0], "quantity": "9.00"}]}
        with pytest.raises(CorrectionRefused, match="credit note"):
            corrections.preview(rejected.id, json.dumps(changed_amount))

        payload["issue_date"] = "2026-02-02"
        preview = corrections.preview(rejected.id, json.dumps(payload))
        assert [(c.field, c.before, c.after) for c in preview.changes] == [
            ("issue_date", "2026-01-31", "2026-02-02")
        ]
        assert preview.needs_approval and preview.posting is not None
        assert preview.posting.posting["date"] == "2026-02-02"
        assert {a["amount"]: a["posted"] for a in preview.posting.amounts} == {
            "net_total": "1500.00",
            "tax_total": "285.00",
            "gross_total": "1785.00",
        }
        assert erp.list_documents() == []  # type: ignore[attr-defined]

        submitted = corrections.submit(rejected.id, json.dumps(payload), "fin-ada", "period")
        assert submitted.status is CorrectionStatus.AWAITING_APPROVAL
        runner.settle(run)
        assert erp.list_documents() == []  # type: ignore[attr-defined]
        with pytest.raises(FourEyesViolation):
            corrections.approve(rejected.id, "fin-ada", "mine")

        approved = corrections.approve(rejected.id, "fin-bob", "February is open")
        assert approved.status is CorrectionStatus.APPROVED
        runner.settle(run)

        posted = erp.list_documents()  # type: ignore[attr-defined]
        assert [(d.number, d.issue_date, d.gross_total) for d in posted] == [
            (NUMBER, date(2026, 2, 2), 1785)
        ]
        closed = run.hub.exceptions(kind=ExceptionKind.POSTING_REJECTED)
        assert [(r.id, r.status) for r in closed] == [(rejected.id, ExceptionStatus.RESOLVED)]
        document = run.services.billing.document(NUMBER)
        assert document is not None and document.status is not DocumentStatus.ISSUED
        assert run.services.connectors["sandbox-psa"].count_invoiced_entries() == 1  # type: ignore[attr-defined]
        with pytest.raises(Exception, match="not open"):
            corrections.approve(rejected.id, "fin-cy", "again")
