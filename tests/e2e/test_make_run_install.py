"""`make run` installs what running needs, not the test and lint tool chain.

Installing a fresh environment takes minutes (66 packages), too long for the suite, so
this checks what decides what it holds: the commands `make run` would run to build it (a
dry run of make into a scratch venv path) install the project without extras; pip's own
resolver, asked what that command would install into an empty environment, picks no
test or lint tool; and the project's runtime requirements, followed through every
installed package's own requirements, never reach pytest, mypy or selenium.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
DEV_TOOLS = {"pytest", "mypy", "selenium", "ruff", "hypothesis", "trytond"}


def _make_dry_run(target: str, venv: Path) -> list[str]:
    done = subprocess.run(
        ["make", "--dry-run", "--always-make", target, f"VENV={venv}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return [line for line in done.stdout.splitlines() if "pip install" in line]


def _runtime_closure(project: str) -> set[str]:
    """Every distribution `project` needs without extras, through installed metadata."""
    seen: set[str] = set()
    pending = [(project, frozenset[str]())]
    while pending:
        name, extras = pending.pop()
        try:
            requires = distribution(name).requires or []
        except PackageNotFoundError:  # a requirement for another platform or Python
            continue
        for text in requires:
            requirement = Requirement(text)
            wanted = [{"extra": extra} for extra in extras] or [{"extra": ""}]
            if requirement.marker and not any(requirement.marker.evaluate(e) for e in wanted):
                continue
            key = canonicalize_name(requirement.name)
            if key not in seen:
                seen.add(key)
                pending.append((requirement.name, frozenset(requirement.extras)))
    return seen


def test_make_run_installs_the_project_without_extras_and_make_test_adds_the_tools(
    tmp_path: Path,
) -> None:
    venv = tmp_path / "venv"
    run_installs = [line for line in _make_dry_run("run", venv) if "--upgrade pip" not in line]
    assert run_installs == [f"{venv}/bin/python -m pip install -e ."]

    test_installs = _make_dry_run("test", venv)
    assert any(re.search(r"install -e '\.\[dev,tryton\]'", line) for line in test_installs)


def test_what_running_needs_reaches_no_test_or_lint_tool() -> None:
    needed = _runtime_closure("accord")

    assert {"uvicorn", "dbos", "fastapi", "sqlalchemy"} <= needed
    assert needed.isdisjoint(DEV_TOOLS), sorted(needed & DEV_TOOLS)


def test_a_fresh_environment_resolved_the_way_make_run_builds_it_has_no_test_tools(
    tmp_path: Path,
) -> None:
    report = tmp_path / "install.json"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed",
         "--quiet", "--report", str(report), "-e", str(ROOT)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    installed = json.loads(report.read_text())["install"]
    names = {canonicalize_name(item["metadata"]["name"]) for item in installed}

    assert {"accord", "uvicorn", "dbos", "fastapi"} <= names
    assert names.isdisjoint(DEV_TOOLS), sorted(names & DEV_TOOLS)
