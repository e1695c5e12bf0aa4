"""`GET /api/v1/journals`: balanced postings of a month and an entity, page by page."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal

from accord.application.journal_posting import JournalPoster
from accord.application.journals import LedgerJournals
from accord.application.security import Role
from tests.integration.api.conftest import ApiWorld, FakeBillingBook
from tests.unit.revenue.journal_builders import fixed_fee_ahead_of_billing, uk_charge
from tests.unit.revenue.journal_fakes import FakeExceptions, FakeJournalPosting


def _book() -> FakeBillingBook:
    state = fixed_fee_ahead_of_billing()
    return FakeBillingBook(
        replace(state, ledger=replace(state.ledger, intercompany=(uk_charge("880.00"),)))
    )


def test_the_journals_of_a_month_come_page_by_page_each_balanced(world: ApiWorld) -> None:
    world.serve(replace(world.ports, journals=LedgerJournals(_book())))
    headers, seen, cursor = world.as_role(Role.VIEWER), [], None
    while True:
        query = "period=2026-01&limit=1" + (f"&cursor={cursor}" if cursor else "")
        page = world.client.get(f"/api/v1/journals?{query}", headers=headers).json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [p["document_number"] for p in seen] == [
        "DE01/2026-01/intercompany_cost/K1/GBP",
        "DE01/2026-01/revenue/K1/EUR",
        "UK01/2026-01/intercompany_revenue/K1/GBP",
    ]
    for posting in seen:
        debit = sum(Decimal(line["debit"]) for line in posting["lines"])
        assert debit == sum(Decimal(line["credit"]) for line in posting["lines"]) > 0


def test_the_journals_of_one_entity(world: ApiWorld) -> None:
    world.serve(replace(world.ports, journals=LedgerJournals(_book())))
    answer = world.client.get(
        "/api/v1/journals?period=2026-02&entity=DE01", headers=world.as_role(Role.VIEWER)
    )
    assert [p["document_number"] for p in answer.json()["items"]] == ["DE01/2026-02/revenue/K1/EUR"]


def test_a_month_not_in_yyyy_mm_is_refused(world: ApiWorld) -> None:
    answer = world.client.get("/api/v1/journals?period=2026-13", headers=world.as_role(Role.VIEWER))
    assert answer.status_code == 422
    assert "period" in answer.text


def _project(event_id: str, project: str, contract: str) -> str:
    data = json.dumps({"id": project, "contract": contract, "name": f"Delivery of {contract}"})
    return (
        f'{{"specversion":"1.0","id":"{event_id}","source":"psa",'
        f'"type":"accord.project.v1","data":{data}}}'
    )


def test_lines_carry_the_project_the_psa_delivers_the_contract_through(world: ApiWorld) -> None:
    world.hub.ingest.ingest_batch([_project("p1", "P-7", "K1"), _project("p2", "P-9", "K9")])
    world.hub.worker.run_once()
    world.serve(
        replace(world.ports, journals=LedgerJournals(_book(), records=world.governance.records))
    )
    answer = world.client.get(
        "/api/v1/journals?period=2026-01&entity=DE01", headers=world.as_role(Role.VIEWER)
    )
    lines = [line for item in answer.json()["items"] for line in item["lines"]]
    assert lines and {line["dimensions"]["project"] for line in lines} == {"P-7"}


def _poster(erp: FakeJournalPosting | None) -> JournalPoster:
    book = _book()
    return JournalPoster(LedgerJournals(book), book, erp, FakeExceptions())


def test_finance_posts_a_month_once_and_reads_each_entry_posted(world: ApiWorld) -> None:
    erp = FakeJournalPosting()
    world.serve(replace(world.ports, journal_posting=_poster(erp)))
    finance = world.as_role(Role.FINANCE)
    pending = world.client.get("/api/v1/journals/2026-01/postings", headers=finance).json()
    assert pending["counts"] == {"posted": 0, "refused": 0, "pending": 3}
    for _ in range(2):
        answer = world.client.post("/api/v1/journals/2026-01/post", headers=finance)
        assert answer.status_code == 200, answer.text
    assert len(erp.moves) == 3
    read = world.client.get("/api/v1/journals/2026-01/postings", headers=finance).json()
    assert read["counts"] == {"posted": 3, "refused": 0, "pending": 0}
    assert sorted(item["erp_number"] for item in read["items"]) == ["MV1", "MV2", "MV3"]


def test_a_viewer_may_not_post_journals(world: ApiWorld) -> None:
    world.serve(replace(world.ports, journal_posting=_poster(FakeJournalPosting())))
    answer = world.client.post("/api/v1/journals/2026-01/post", headers=world.as_role(Role.VIEWER))
    assert answer.status_code == 403


def test_an_erp_without_journal_posting_is_a_409_that_says_so(world: ApiWorld) -> None:
    world.serve(replace(world.ports, journal_posting=_poster(None)))
    finance = world.as_role(Role.FINANCE)
    answer = world.client.post("/api/v1/journals/2026-01/post", headers=finance)
    assert answer.status_code == 409
    assert "does not take journal entries" in answer.json()["detail"]
    read = world.client.get("/api/v1/journals/2026-01/postings", headers=finance).json()
    assert read["supported"] is False
