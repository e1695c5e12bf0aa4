"""`make bench`: run every bench/bench_*.py, write bench/results.json and bench/results.md.

Each benchmark module exposes `run() -> list[dict]`; every figure is measured in the same
run as its baseline and reported as a ratio, so results compare across machines.
"""

from __future__ import annotations

import importlib
import json
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

HERE = Path(__file__).resolve().parent
PACKAGES = ("sqlalchemy", "dbos", "nats-py", "pydantic", "trytond", "duckdb", "psycopg")


def _versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def _machine() -> dict[str, Any]:
    cpu = subprocess.run(["nproc"], capture_output=True, text=True, check=False).stdout.strip()
    return {"platform": platform.platform(), "cores": cpu, "processor": platform.machine()}


def _modules(selected: list[str]) -> list[str]:
    names = sorted(p.stem for p in HERE.glob("bench_*.py"))
    return [n for n in names if not selected or any(s in n for s in selected)]


def _markdown(results: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    lines = [
        "# Accord benchmark results",
        "",
        f"Measured {meta['measured_at']} on {meta['machine']['platform']} "
        f"({meta['machine']['cores']} cores); command: `{meta['command']}`.",
        "",
        "| benchmark | value | unit | baseline | baseline value | ratio | notes |",
        "|---|---:|---|---|---:|---:|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['name']} | {r['value']:,.1f} | {r['unit']} | {r['baseline']} | "
            f"{r['baseline_value']:,.1f} | {r['ratio']:.3f} | {r.get('notes', '')} |"
        )
    versions = ", ".join(f"{k} {v}" for k, v in meta["versions"].items())
    lines += ["", f"Versions: {versions}.", ""]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    console = Console()
    results: list[dict[str, Any]] = []
    for name in _modules(argv):
        console.rule(f"[bold]{name}")
        started = time.perf_counter()
        module = importlib.import_module(f"bench.{name}")
        for row in module.run():
            row["module"] = name
            results.append(row)
            console.print(
                f"  {row['name']}: {row['value']:,.1f} {row['unit']} "
                f"(ratio {row['ratio']:.3f} to {row['baseline']})"
            )
        console.print(f"  [dim]{time.perf_counter() - started:.1f} s[/dim]")
    meta = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": _machine(),
        "versions": _versions(),
        "command": "make bench" + (f" BENCH={' '.join(argv)}" if argv else ""),
    }
    (HERE / "results.json").write_text(json.dumps({"meta": meta, "results": results}, indent=2))
    (HERE / "results.md").write_text(_markdown(results, meta))
    table = Table("benchmark", "value", "baseline", "ratio")
    for r in results:
        table.add_row(
            r["name"], f"{r['value']:,.1f} {r['unit']}", r["baseline"], f"{r['ratio']:.3f}"
        )
    console.print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
