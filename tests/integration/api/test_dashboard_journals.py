"""The dashboard's journals page: a month's balanced entries with where each stands in
the ERP, and finance's button that posts the month once (posting again books nothing
twice); a viewer sees no button and is refused; an ERP without journals is said so."""

from __future__ import annotations

import html
from dataclasses import replace

from accord.application.journal_posting import JournalPoster
from accord.application.journals import LedgerJournals
from accord.application.security import Role
from tests.integration.api.conftest import ApiWorld
from tests.integration.api.test_api_dashboard_corrections import _sign_in
from tests.integration.api.test_api_dashboard_forms import HERE
from tests.integration.api.test_api_journals import _book
from tests.unit.revenue.journal_fakes import FakeExceptions, FakeJournalPosting


def _wire(world: ApiWorld, erp: FakeJournalPosting | None) -> None:
    book = _book()
    journals = LedgerJournals(book)
    posting = JournalPoster(journals, book, erp, FakeExceptions())
    world.serve(replace(world.ports, journals=journals, journal_posting=posting))


def test_finance_posts_the_month_from_the_journals_page_once(world: ApiWorld) -> None:
    erp = FakeJournalPosting()
    _wire(world, erp)
    viewer = _sign_in(world, Role.VIEWER, "/journals?period=2026-01")
    viewer_page = world.client.get("/journals?period=2026-01").text
    refused = world.client.post(
        "/journals", data={"csrf": viewer, "period": "2026-01"}, headers=HERE
    )
    token = _sign_in(world, Role.FINANCE, "/journals?period=2026-01")
    before = html.unescape(world.client.get("/journals?period=2026-01").text)
    form = {"csrf": token, "period": "2026-01", "entity": ""}
    posted = [
        html.unescape(world.client.post("/journals", data=form, headers=HERE).text)
        for _ in range(2)
    ]

    assert refused.status_code == 403 and 'id="post"' not in viewer_page
    assert "3 pending" in before and 'id="post"' in before
    assert "DE01/2026-01/revenue/K1/EUR" in before and "EUR" in before
    assert "3 posted" in posted[0] and "MV1" in posted[0]
    assert "3 posted" in posted[1]
    assert len(erp.moves) == 3  # the second press booked nothing


def test_an_erp_without_journals_is_named_and_offers_no_button(world: ApiWorld) -> None:
    _wire(world, None)
    _sign_in(world, Role.FINANCE, "/journals?period=2026-01")
    shown = html.unescape(world.client.get("/journals?period=2026-01").text)
    bad = world.client.get("/journals?period=January")

    assert 'id="unsupported"' in shown and 'id="post"' not in shown
    assert bad.status_code == 400 and "YYYY-MM" in bad.text
