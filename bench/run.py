"""`make bench`: run every bench/bench_*.py, write bench/results.json and bench/results.md.

Each benchmark module exposes `run() -> list[dict]`; every figure is measured in the same
run as its baseline and reported as a ratio, so results compare across machines. The
results record the machine, the versions, the exact command, the size settings in effect
and each module's duration with the machine's load average as it started and ended, so
anyone can re-run them and see how busy the machine was. ACCORD_BENCH_RESULTS names another
directory for the results (for a partial or trial run); see docs/benchmarks.md.
"""

from __future__ import annotations

import importlib
import json
import os
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
PACKAGES = (
    "sqlalchemy",
    "dbos",
    "nats-py",
    "pydantic",
    "fastapi",
    "uvicorn",
    "httpx",
    "trytond",
    "duckdb",
    "psycopg",
)
SETTINGS_PREFIX = "ACCORD_BENCH_"


def _versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def _postgres_version() -> str | None:
    """The server version of the PostgreSQL the benches use, if it is reachable."""
    from bench.bench_ingest import POSTGRES_URL

    try:
        import sqlalchemy as sa

        engine = sa.create_engine(POSTGRES_URL)
        try:
            with engine.connect() as connection:
                return str(connection.exec_driver_sql("SHOW server_version").scalar())
        finally:
            engine.dispose()
    except Exception:  # unreachable or no driver: the PostgreSQL figures are skipped anyway
        return None


def _first_line(path: str, prefix: str) -> str:
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return "unknown"
    found = next((line for line in lines if line.startswith(prefix)), "")
    return found.split(":", 1)[-1].strip() or "unknown"


def _memory() -> str:
    kilobytes = _first_line("/proc/meminfo", "MemTotal").split()[0]
    return f"{int(kilobytes) / 2**20:.1f} GiB" if kilobytes.isdigit() else "unknown"


def _machine() -> dict[str, Any]:
    cpu = subprocess.run(["nproc"], capture_output=True, text=True, check=False).stdout.strip()
    return {
        "platform": platform.platform(),
        "cores": cpu,
        "processor": platform.machine(),
        "cpu_model": _first_line("/proc/cpuinfo", "model name"),
        "memory": _memory(),
    }


def _git_commit() -> str:
    found = subprocess.run(
        ["git", "-C", str(HERE.parent), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    dirty = subprocess.run(
        ["git", "-C", str(HERE.parent), "status", "--porcelain"],
        capture_output=True,
        text=True,
        check=False,
    )
    commit = found.stdout.strip() or "unknown"
    return f"{commit} (with uncommitted changes)" if dirty.stdout.strip() else commit


def _without_password(url: str) -> str:
    import sqlalchemy as sa

    return sa.make_url(url).render_as_string(hide_password=True)


def _settings() -> dict[str, str]:
    """The ACCORD_BENCH_* variables in effect (sizes, rates, the PostgreSQL server)."""
    return {
        k: _without_password(v) if k.endswith("_URL") else v
        for k, v in sorted(os.environ.items())
        if k.startswith(SETTINGS_PREFIX) and k != "ACCORD_BENCH_RESULTS"
    }


def _modules(selected: list[str]) -> list[str]:
    names = sorted(p.stem for p in HERE.glob("bench_*.py"))
    return [n for n in names if not selected or any(s in n for s in selected)]


def _markdown(results: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    machine = meta["machine"]
    lines = [
        "# Accord benchmark results",
        "",
        f"Measured {meta['measured_at']} at commit {meta['commit']}. What each figure means: "
        "[docs/benchmarks.md](../docs/benchmarks.md).",
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
    durations = ", ".join(
        f"{k} {v:.0f} s (load average {_loads(meta, k)})" for k, v in meta["module_seconds"].items()
    )
    settings = ", ".join(f"`{k}={v}`" for k, v in meta["settings"].items()) or "none (defaults)"
    lines += [
        "",
        "## Machine",
        "",
        f"{machine['cpu_model']}, {machine['cores']} cores ({machine['processor']}), "
        f"{machine['memory']} memory; {machine['platform']}.",
        "",
        "## Versions",
        "",
        f"{versions}.",
        "",
        "## Commands",
        "",
        f"Run as `{meta['command']}`, i.e. `{meta['invocation']}` from the repository root, "
        f"with PostgreSQL at `{meta['postgres_url']}` and the sandbox started by the benches "
        f"themselves; ACCORD_BENCH_* settings in effect: {settings}. One module alone: "
        "`make bench BENCH=bench_latency`.",
        "",
        f"Duration: {durations}; {meta['total_seconds']:.0f} s in all.",
        "",
    ]
    return "\n".join(lines)


def _loads(meta: dict[str, Any], module: str) -> str:
    """The machine's 1-minute load average as `module` started and ended."""
    started, ended = meta.get("module_load", {}).get(module, ("?", "?"))
    return f"{started} to {ended}"


def _outcome(row: dict[str, Any]) -> str:
    """The figure and its ratio, or why a bench could not measure it (a skipped row)."""
    if str(row.get("notes", "")).startswith("skipped"):
        return str(row["notes"])
    return f"{row['value']:,.1f} {row['unit']} (ratio {row['ratio']:.3f} to {row['baseline']})"


def main(argv: list[str]) -> int:
    console = Console()
    results: list[dict[str, Any]] = []
    seconds: dict[str, float] = {}
    loads: dict[str, list[float]] = {}
    begun = time.perf_counter()
    for name in _modules(argv):
        console.rule(f"[bold]{name}")
        loads[name] = [round(os.getloadavg()[0], 1)]
        started = time.perf_counter()
        module = importlib.import_module(f"bench.{name}")
        for row in module.run():
            row["module"] = name
            results.append(row)
            console.print(f"  {row['name']}: {_outcome(row)}")
        seconds[name] = round(time.perf_counter() - started, 1)
        loads[name].append(round(os.getloadavg()[0], 1))
        console.print(f"  [dim]{seconds[name]:.1f} s[/dim]")
    from bench.bench_ingest import POSTGRES_URL

    meta = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _git_commit(),
        "machine": _machine(),
        "versions": _versions() | {"postgresql": _postgres_version() or "unreachable"},
        "command": "make bench" + (f' BENCH="{" ".join(argv)}"' if argv else ""),
        "invocation": " ".join([".venv/bin/python -m bench.run", *argv]),
        "postgres_url": _without_password(POSTGRES_URL),
        "settings": _settings(),
        "module_seconds": seconds,
        "module_load": loads,
        "total_seconds": round(time.perf_counter() - begun, 1),
    }
    target = Path(os.environ.get("ACCORD_BENCH_RESULTS", HERE))
    target.mkdir(parents=True, exist_ok=True)
    (target / "results.json").write_text(json.dumps({"meta": meta, "results": results}, indent=2))
    (target / "results.md").write_text(_markdown(results, meta))
    console.print(f"results written to {target}")
    table = Table("benchmark", "value", "baseline", "ratio")
    for r in results:
        table.add_row(
            r["name"], f"{r['value']:,.1f} {r['unit']}", r["baseline"], f"{r['ratio']:.3f}"
        )
    console.print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
