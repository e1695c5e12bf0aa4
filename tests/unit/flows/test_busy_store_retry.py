"""A step rides out a busy store within its budget, then lets the flow take over."""

from __future__ import annotations

import pytest

from accord.application.contention import StoreBusy, retrying_while_busy
from accord.domain.retry import TransientBudget


def test_the_budget_doubles_its_waits_up_to_the_ceiling() -> None:
    budget = TransientBudget(attempts=6, first=0.5, ceiling=3.0)
    assert budget.delays() == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_a_call_that_meets_a_busy_store_is_tried_again_until_it_succeeds() -> None:
    answers: list[object] = [StoreBusy("locked"), StoreBusy("locked"), "done"]
    waited: list[float] = []

    def call() -> object:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert retrying_while_busy(call, TransientBudget(5, 0.1, 1.0), waited.append) == "done"
    assert waited == [0.1, 0.2]


def test_past_its_budget_the_last_busy_error_is_raised() -> None:
    calls: list[int] = []
    waited: list[float] = []

    def call() -> None:
        calls.append(1)
        raise StoreBusy("locked")

    with pytest.raises(StoreBusy):
        retrying_while_busy(call, TransientBudget(3, 0.1, 1.0), waited.append)
    assert len(calls) == 3
    assert waited == [0.1, 0.2]


def test_other_errors_are_not_retried() -> None:
    calls: list[int] = []

    def call() -> None:
        calls.append(1)
        raise ValueError("a bug, not contention")

    with pytest.raises(ValueError):
        retrying_while_busy(call, TransientBudget(), lambda _: None)
    assert calls == [1]
