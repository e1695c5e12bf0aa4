"""How the generated firm is shaped for the vendors: its terms as the shipped Kantata
mappings name them, its workers as Workday holds them, and a transfer in Workday's job
history."""

from __future__ import annotations

from datetime import date

from accord.connectors.sandbox.firm import generate_firm
from accord.connectors.sandbox.vendor_systems import vendor_terms
from accord.connectors.sandbox.vendor_systems.workday import transferred, worker_fields

FIRM = generate_firm(seed=7, consultants=3, customers=2, contracts=4)


def test_time_is_logged_on_the_term_default_and_milestones_go_by_their_names() -> None:
    fixed_fee = next(c for c in FIRM.contracts if c["terms"][0]["type"] == "fixed_fee")
    with_retainer = next(c for c in FIRM.contracts if len(c["terms"]) == 2)

    terms = vendor_terms(fixed_fee)

    assert [t["id"] for t in terms] == ["default"]
    assert [m["id"] for m in terms[0]["milestones"]] == ["Discovery", "Build", "Handover"]
    assert [t["id"] for t in vendor_terms(with_retainer)] == ["default", "RET"]
    assert fixed_fee["terms"][0]["id"] == "FF", "the firm itself is left as generated"


def test_a_worker_is_held_with_its_role_employer_and_cost_rate() -> None:
    worker = FIRM.workers[0]

    fields = worker_fields(worker)

    assert fields["jobProfile"]["id"] == worker["role"]
    assert fields["jobHistory"] == [
        {"company": {"id": worker["employment"][0]["entity"]}, "effectiveDate": "2024-01-01",
         "endDate": None}
    ]  # fmt: skip
    assert fields["costRates"][0]["amount"] == worker["cost_rates"][0]["rate"]


def test_a_transfer_ends_the_open_job_the_day_before_and_opens_one_at_the_new_company() -> None:
    history = [
        {"company": {"id": "DE01"}, "effectiveDate": "2024-01-01", "endDate": "2025-12-31"},
        {"company": {"id": "US01"}, "effectiveDate": "2026-01-01", "endDate": None},
    ]

    moved = transferred(history, "UK01", date(2026, 3, 2))

    assert moved == [
        history[0],
        {"company": {"id": "US01"}, "effectiveDate": "2026-01-01", "endDate": "2026-03-01"},
        {"company": {"id": "UK01"}, "effectiveDate": "2026-03-02", "endDate": None},
    ]
