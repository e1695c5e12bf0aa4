"""One EN 16931 validator per test session: compiling the rules takes seconds."""

from __future__ import annotations

import datetime as dt

import pytest

from accord.adapters.einvoice.saxon import SaxonEN16931Validator


@pytest.fixture(scope="session")
def validator() -> SaxonEN16931Validator:
    compiled = SaxonEN16931Validator(lambda: dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    compiled.warm_up()
    return compiled
