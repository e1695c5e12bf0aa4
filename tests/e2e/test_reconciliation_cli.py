"""`accord reconciliation request` and `status` as a user runs them: a request is a job
the running hub takes; asked again while it waits, the request is that same job."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_exceptions_cli import _accord


def test_a_requested_run_waits_for_the_hub_and_a_second_request_joins_it(
    tmp_path: Path,
) -> None:
    none_yet = _accord(tmp_path, "reconciliation", "status")
    assert none_yet.returncode == 0, none_yet.stderr
    assert "no reconciliation run yet" in none_yet.stdout

    first = _accord(tmp_path, "reconciliation", "request", "--actor", "cli:ops")
    assert first.returncode == 0, first.stderr
    assert "reconciliation run #1: requested (requested by cli:ops)" in first.stdout
    assert "accord reconciliation status 1" in first.stdout

    again = _accord(tmp_path, "reconciliation", "request")
    assert "reconciliation run #1: requested" in again.stdout

    missing = _accord(tmp_path, "reconciliation", "status", "7")
    assert missing.returncode == 2
    assert "no reconciliation run 7" in missing.stderr
