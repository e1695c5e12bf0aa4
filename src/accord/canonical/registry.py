"""The catalogue of canonical models: names, versions, event types and schema URIs.

An event type is `accord.<schema_name>.v<version>`; the schema of each model lives at
`schemas/<schema_name>/v<version>.json`. Older versions stay registered (and their files
stay committed) for as long as data written with them may still arrive.
"""

from __future__ import annotations

import re

from accord.canonical.base import CanonicalModel
from accord.canonical.errors import Problem, UnknownEventType
from accord.canonical.v1 import (
    Amendment,
    Assignment,
    BillingEvent,
    Contract,
    Customer,
    Expense,
    Invoice,
    LedgerPosting,
    LegalEntity,
    Milestone,
    Payment,
    Project,
    Resource,
    TimeEntry,
)

ALL_MODELS: tuple[type[CanonicalModel], ...] = (
    LegalEntity,
    Customer,
    Resource,
    Contract,
    Amendment,
    Project,
    Assignment,
    TimeEntry,
    Expense,
    Milestone,
    BillingEvent,
    Invoice,
    Payment,
    LedgerPosting,
)

EVENT_TYPE_PREFIX = "accord."
SCHEMA_DIR = "schemas"
_EVENT_TYPE = re.compile(r"^accord\.(?P<name>[a-z][a-z0-9_]*)\.v(?P<version>[1-9][0-9]*)$")

_BY_KEY: dict[tuple[str, int], type[CanonicalModel]] = {
    (model.SCHEMA_NAME, model.SCHEMA_VERSION): model for model in ALL_MODELS
}


def _known() -> str:
    return ", ".join(f"{name} v{version}" for name, version in sorted(_BY_KEY))


def model_for(name: str, version: int) -> type[CanonicalModel]:
    """The model class registered under that schema name and version."""
    try:
        return _BY_KEY[(name, version)]
    except KeyError:
        raise KeyError(f"no canonical schema {name} v{version}; known: {_known()}") from None


def latest_versions() -> dict[str, type[CanonicalModel]]:
    """The newest registered model of each schema name."""
    latest: dict[str, type[CanonicalModel]] = {}
    for model in ALL_MODELS:
        current = latest.get(model.SCHEMA_NAME)
        if current is None or model.SCHEMA_VERSION > current.SCHEMA_VERSION:
            latest[model.SCHEMA_NAME] = model
    return latest


def event_type_for(model_cls: type[CanonicalModel]) -> str:
    """The CloudEvents `type` of events carrying this model, e.g. `accord.time_entry.v1`."""
    return f"{EVENT_TYPE_PREFIX}{model_cls.SCHEMA_NAME}.v{model_cls.SCHEMA_VERSION}"


def dataschema_for(model_cls: type[CanonicalModel]) -> str:
    """The schema URI of this model, e.g. `schemas/time_entry/v1.json`."""
    return f"{SCHEMA_DIR}/{model_cls.SCHEMA_NAME}/v{model_cls.SCHEMA_VERSION}.json"


def model_for_event_type(event_type: str) -> type[CanonicalModel]:
    """The model an event of that `type` carries; UnknownEventType when there is none."""
    match = _EVENT_TYPE.fullmatch(event_type)
    model = None
    if match is not None:
        model = _BY_KEY.get((match["name"], int(match["version"])))
    if model is None:
        raise UnknownEventType(
            f"unknown event type {event_type!r}",
            [Problem("type", f"expected accord.<schema>.v<version> with one of: {_known()}")],
        )
    return model
