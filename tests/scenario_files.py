"""Where the tests find the scenario files: one answer for every test.

`ACCORD_SCENARIOS_DIR` when set (a checkout whose `shared/` lives elsewhere, CI), else the
`shared/scenarios` folder beside the checkout.
"""

from __future__ import annotations

import os
from pathlib import Path

BESIDE_THE_CHECKOUT = Path(__file__).resolve().parents[2] / "shared" / "scenarios"


def scenarios_dir() -> Path:
    """The folder holding the scenario files."""
    configured = os.environ.get("ACCORD_SCENARIOS_DIR")
    return Path(configured) if configured else BESIDE_THE_CHECKOUT


def scenario_file(name: str) -> Path:
    """One scenario file by its name, e.g. `tm-correction-de.yaml`."""
    return scenarios_dir() / name
