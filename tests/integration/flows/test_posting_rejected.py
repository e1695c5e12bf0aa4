"""A document the ERP rejects is finance's exception, never half-posted, and a replay
after the mapping is fixed posts it once."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.application.operations import ActionNotAvailable
from accord.bootstrap import configure_firm
from accord.domain.exceptions import ExceptionAction, ExceptionKind, OwnerRole
from accord.scenarios.format import load_scenario
from tests.integration.flows._flow_proc import DurableRunner
from tests.scenario_files import scenario_file

SCENARIO = scenario_file("tm-correction-de.yaml")
FIRST_INVOICE_RUN = 3
NUMBER = "INV-DE01-000001"


def test_a_missing_mandatory_dimension_is_rejected_whole_and_posts_once_after_a_fix(
    tmp_path: Path,
) -> None:
    scenario = load_scenario(SCENARIO)
    events = scenario.events[: FIRST_INVOICE_RUN + 1]
    runner = DurableRunner(
        scenario,
        tmp_path,
        events[0].at,
        landscape_config={"erp": {"mandatory_dimensions": {"DE01": ["department"]}}},
    )
    with runner._started() as run:
        configure_firm(run.hub, run.services.billing, scenario.firm)
        run.world.seed(scenario)
        for index, event in enumerate(events):
            runner._advance(run, event.at)
            runner._apply(run, index, event)
            runner._settle(run)
        erp = run.services.connectors["sandbox-erp"]

        rejected = run.services.exceptions.find_open(ExceptionKind.POSTING_REJECTED, NUMBER)
        assert rejected is not None and rejected.owner is OwnerRole.FINANCE
        assert "department" in rejected.message
        assert [d.number for d in erp.list_documents()] == []  # type: ignore[attr-defined]
        with pytest.raises(ActionNotAvailable):
            run.services.exception_actions.act(rejected.id, ExceptionAction.APPROVE, "", "t")

        erp.configure_dimensions({"DE01": {"department": "CONSULTING"}})  # type: ignore[attr-defined]
        run.services.exception_actions.act(rejected.id, ExceptionAction.REPLAY, "mapped", "fin")
        runner._settle(run)

        posted = erp.list_documents()  # type: ignore[attr-defined]
        assert [d.number for d in posted] == [NUMBER]
        assert run.services.exceptions.find_open(ExceptionKind.POSTING_REJECTED, NUMBER) is None
        assert run.services.connectors["sandbox-psa"].count_invoiced_entries() == 1  # type: ignore[attr-defined]
