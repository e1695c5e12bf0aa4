"""`GET /metrics`: the hub's Prometheus metrics in the text exposition format.

Unauthenticated like `/healthz`, for scrapers inside the deployment's network: it shows
counts, ages and amounts per label, never a record's content. The registry is built once
per app around its hub (see `accord.observability.metrics.hub_registry`).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from accord.observability.metrics import hub_registry

router = APIRouter(tags=["operations"])


def _registry(request: Request) -> CollectorRegistry:
    state = request.app.state
    registry: CollectorRegistry | None = getattr(state, "metrics_registry", None)
    if registry is None:
        registry = hub_registry(state.hub, getattr(state, "metrics", None))
        state.metrics_registry = registry
    return registry


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """Prometheus scrape endpoint; the metric names are listed in docs/observability.md."""
    return Response(generate_latest(_registry(request)), media_type=CONTENT_TYPE_LATEST)
