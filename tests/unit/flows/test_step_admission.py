"""Flow steps wait while admission is held, then run at most `slots` at a time."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from accord.flows.runtime import StepAdmission

WAIT = 10.0


def _step(admission: StepAdmission, ran: list[str], name: str) -> None:
    with admission.admitted():
        ran.append(name)


def test_a_held_step_runs_only_once_released() -> None:
    admission = StepAdmission(held=True)
    ran: list[str] = []
    step = threading.Thread(target=_step, args=(admission, ran, "post INV-1"))
    step.start()

    step.join(timeout=0.3)
    assert ran == [] and step.is_alive(), "a held step waits"

    admission.release()
    step.join(timeout=WAIT)
    assert ran == ["post INV-1"]


def test_no_more_steps_run_at_once_than_there_are_slots() -> None:
    admission = StepAdmission(slots=3)
    lock = threading.Lock()
    running = most = 0

    def step(_: int) -> None:
        nonlocal running, most
        with admission.admitted():
            with lock:
                running += 1
                most = max(most, running)
            time.sleep(0.02)
            with lock:
                running -= 1

    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(step, range(40)))

    assert most == 3


def test_an_admission_not_held_admits_at_once() -> None:
    ran: list[str] = []
    _step(StepAdmission(), ran, "post INV-2")
    assert ran == ["post INV-2"]
