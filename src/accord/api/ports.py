"""How routes reach the hub's optional process services, and the 503 when one is absent."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from accord.api.problems import ProblemError


def hub_service(request: Request, name: str) -> Any:
    """`request.app.state.hub.<name>`, or a 503 problem saying the service is not wired."""
    service = getattr(request.app.state.hub, name, None)
    if service is None:
        raise ProblemError(
            503,
            "service-unavailable",
            "Service unavailable",
            f"this hub runs without its '{name}' service; start it with `accord up` "
            "(the flow engine provides it)",
        )
    return service
