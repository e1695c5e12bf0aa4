"""Flow registries for tests: one fake standing in for every flow's steps, or each
flow's steps of a real registry wrapped alike (a fault injected, calls counted)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from accord.application.einvoicing import EInvoicing
from accord.flows.registry import FlowRegistry

STEP_SLOTS = ("activation", "amendment", "invoice_run", "posting", "payment_feedback", "failures")
"""The registry's slots that hold a flow's steps."""


def sharing(steps: object, einvoicing: EInvoicing | None = None) -> FlowRegistry:
    """Every flow's steps from one fake that implements them all."""
    every: dict[str, Any] = {slot: steps for slot in STEP_SLOTS}
    return FlowRegistry(**every, einvoicing=einvoicing)


def wrapping(registry: FlowRegistry, wrap: Callable[[Any], object]) -> FlowRegistry:
    """`registry` with each flow's steps passed through `wrap`."""
    wrapped: dict[str, Any] = {slot: wrap(getattr(registry, slot)) for slot in STEP_SLOTS}
    return FlowRegistry(**wrapped, einvoicing=registry.einvoicing)
