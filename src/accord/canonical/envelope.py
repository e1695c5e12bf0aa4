"""The CloudEvents 1.0 envelope (structured JSON mode) every canonical event travels in.

`source` + `id` identify an event for deduplication; `type` names the canonical schema
and version of `data` (`accord.time_entry.v1`); `subject` is the record's business key.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import to_json

from accord.canonical.base import CanonicalModel, utc_now
from accord.canonical.errors import MalformedEvent, PayloadTooLarge, Problem
from accord.canonical.registry import dataschema_for, event_type_for, model_for_event_type

DEFAULT_MAX_EVENT_BYTES = 256 * 1024
_EXTENSION_NAME_MAX = 20


class CloudEvent(BaseModel):
    """A CloudEvents 1.0 event whose `data` is one canonical record as JSON.

    Extension attributes (lower-case alphanumeric names, e.g. `traceparent`) are kept;
    anything else unexpected is rejected.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(min_length=1)
    source: str = Field(min_length=1, description="URI-reference of the producer")
    type: str = Field(min_length=1)
    subject: str | None = None
    time: AwareDatetime | None = None
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str | None = None
    data: dict[str, Any]

    @model_validator(mode="after")
    def _extension_names(self) -> CloudEvent:
        for name in self.model_extra or {}:
            if not (name.isascii() and name.isalnum() and name.islower()):
                raise ValueError(
                    f"unknown attribute {name!r}: CloudEvents extension names are lower-case "
                    "letters and digits only"
                )
            if len(name) > _EXTENSION_NAME_MAX:
                raise ValueError(f"extension attribute name {name!r} exceeds 20 characters")
        return self

    @classmethod
    def wrap(
        cls,
        model: CanonicalModel,
        *,
        source: str,
        id: str | None = None,
        time: datetime | None = None,
    ) -> CloudEvent:
        """Put a canonical record in an envelope; `id` defaults to a fresh UUID."""
        return cls(
            id=id or str(uuid.uuid4()),
            source=source,
            type=event_type_for(type(model)),
            subject=model.business_key(),
            time=time or utc_now(),
            dataschema=dataschema_for(type(model)),
            data=model.model_dump(mode="json", exclude_none=True),
        )

    @classmethod
    def wrap_json(
        cls,
        model: CanonicalModel,
        *,
        source: str,
        id: str | None = None,
        time: datetime | None = None,
    ) -> tuple[str, str]:
        """`wrap(...).to_json()` and the record's own JSON (the event's `data`), the
        record encoded once: its JSON is spliced into the envelope's, not re-encoded, and
        the envelope's attributes are encoded as they are, with no model built for them
        (which costs several times the record's encoding)."""
        data = model.to_json()
        head = {
            "specversion": "1.0",
            "id": id or str(uuid.uuid4()),
            "source": source,
            "type": event_type_for(type(model)),
            "subject": model.business_key(),
            "time": time or utc_now(),
            "datacontenttype": "application/json",
            "dataschema": dataschema_for(type(model)),
        }
        return f'{to_json(head).decode()[:-1]},"data":{data}}}', data

    def payload(self) -> CanonicalModel:
        """The canonical record in `data`, validated against the model for `type`.

        Raises UnknownEventType for a type no schema matches and pydantic's
        ValidationError (with field paths) when `data` does not fit the schema.
        """
        return model_for_event_type(self.type).model_validate(self.data)

    def to_json(self) -> str:
        """Structured-mode JSON, the form that goes on the wire."""
        return self.model_dump_json(exclude_none=True)


def parse_event(raw: bytes | str, *, max_bytes: int = DEFAULT_MAX_EVENT_BYTES) -> CloudEvent:
    """Parse and validate a structured-mode CloudEvent, including its canonical payload.

    Every failure is an InvalidEvent subclass whose `problems` name the fields at fault:
    PayloadTooLarge, MalformedEvent (bad JSON, missing or mistyped fields) or
    UnknownEventType.
    """
    size = len(raw.encode() if isinstance(raw, str) else raw)
    if size > max_bytes:
        raise PayloadTooLarge(
            f"event of {size} bytes exceeds the {max_bytes}-byte limit; "
            "send large documents by reference or raise the limit"
        )
    try:
        document = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise MalformedEvent("event is not valid JSON", [Problem("", str(error))]) from None
    if not isinstance(document, dict):
        raise MalformedEvent(
            "event must be a JSON object in CloudEvents structured mode",
            [Problem("", f"got a JSON {type(document).__name__}")],
        )
    try:
        event = CloudEvent.model_validate(document)
    except ValidationError as error:
        raise MalformedEvent("invalid CloudEvents envelope", problems_of(error)) from None
    try:
        event.payload()
    except ValidationError as error:
        raise MalformedEvent(
            f"data does not match {event.type}", problems_of(error, prefix="data")
        ) from None
    return event


def problems_of(error: ValidationError, *, prefix: str = "") -> list[Problem]:
    """One Problem per pydantic error, with a dotted path such as `data.lines.0.net`."""
    problems = []
    for detail in error.errors(include_url=False):
        parts = [prefix] if prefix else []
        parts.extend(str(part) for part in detail["loc"])
        problems.append(Problem(".".join(parts), detail["msg"]))
    return problems
