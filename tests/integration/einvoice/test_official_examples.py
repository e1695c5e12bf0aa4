"""The official EN 16931 example instances pass the project's validator, as they pass
the standard's own: it accepts what the standard accepts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from accord.adapters.einvoice.saxon import SaxonEN16931Validator
from accord.domain.billing.einvoice import EInvoiceSyntax

EN16931 = Path(
    os.environ.get(
        "ACCORD_EN16931_DIR", Path(__file__).parents[4] / "shared" / "einvoicing" / "en16931"
    )
)
EXAMPLES = [
    (syntax, path)
    for syntax in EInvoiceSyntax
    for path in sorted((EN16931 / syntax.value / "examples").glob("*"))
    if path.suffix.lower() == ".xml"
]


def test_the_official_examples_are_there() -> None:
    assert len(EXAMPLES) >= 30, f"no EN 16931 examples under {EN16931}; set ACCORD_EN16931_DIR"


@pytest.mark.parametrize(
    ("syntax", "path"), EXAMPLES, ids=[f"{s.value}-{p.stem}" for s, p in EXAMPLES]
)
def test_official_example_validates_without_fatal_violations(
    validator: SaxonEN16931Validator, syntax: EInvoiceSyntax, path: Path
) -> None:
    xml = path.read_text(encoding="utf-8-sig").encode("utf-8")
    result = validator.validate(path.stem, syntax, xml)
    assert result.violations == (), [f"{v.rule}: {v.text}" for v in result.violations]
