"""Every log line written while a request runs carries the correlation id its response
carries, the ERROR line of a server error included, in JSON and in text format."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from dataclasses import replace

import pytest

from accord.application.security import Role
from accord.observability.logging import JsonLogFormatter, TextLogFormatter
from tests.integration.api.conftest import ApiWorld


class BrokenReports:
    """Reports whose KPIs fail with an unexpected error, after logging a line of their own."""

    def kpis(self) -> object:
        logging.getLogger("accord.application.reports").warning("reading the KPIs")
        raise RuntimeError("the KPI store vanished")


@pytest.fixture
def logged() -> Iterator[tuple[io.StringIO, io.StringIO]]:
    json_out, text_out = io.StringIO(), io.StringIO()
    handlers = [logging.StreamHandler(json_out), logging.StreamHandler(text_out)]
    handlers[0].setFormatter(JsonLogFormatter())
    handlers[1].setFormatter(TextLogFormatter())
    accord = logging.getLogger("accord")
    level = accord.level
    accord.setLevel(logging.INFO)
    for handler in handlers:
        accord.addHandler(handler)
    yield json_out, text_out
    for handler in handlers:
        accord.removeHandler(handler)
    accord.setLevel(level)


def test_each_line_of_a_failing_request_carries_the_response_correlation_id(
    world: ApiWorld, logged: tuple[io.StringIO, io.StringIO]
) -> None:
    world.serve(replace(world.ports, reports=BrokenReports()))
    response = world.client.get("/api/v1/kpis", headers=world.as_role(Role.ADMIN))
    assert response.status_code == 500
    correlation = response.headers["x-correlation-id"]
    assert response.json()["correlation_id"] == correlation

    json_out, text_out = logged
    lines = [json.loads(line) for line in json_out.getvalue().splitlines()]
    levels = {line["level"] for line in lines}
    assert {"WARNING", "ERROR", "INFO"} <= levels, lines  # own line, the 500, the access line
    assert {line.get("correlation_id") for line in lines} == {correlation}
    text = [line for line in text_out.getvalue().splitlines() if " accord." in line]
    assert len(text) == len(lines)
    assert all(line.endswith(f"[correlation_id={correlation}]") for line in text), text
