"""`accord api openapi --out docs/openapi.json`: write the committed OpenAPI document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

api = typer.Typer(help="The HTTP API's contract documents.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(api, name="api")


class _NoHub:
    """Stands in for a hub: generating the document reads routes, never the store."""

    def status(self) -> Any:
        raise RuntimeError("no hub: the OpenAPI document is generated offline")


def openapi_document() -> str:
    """The document the code defines, in its committed form (no store is touched)."""
    from accord.adapters.governance import build_sql_governance
    from accord.adapters.store import create_store_engine
    from accord.api.openapi import render
    from accord.application.governance import GovernanceSettings
    from accord.http_app import create_app

    engine = create_store_engine("sqlite://")
    try:
        app = create_app(_NoHub(), build_sql_governance(engine, GovernanceSettings()))
        return render(app.openapi())
    finally:
        engine.dispose()


def _message(event_type: str, title: str, summary: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": event_type,
        "title": title,
        "summary": summary,
        "contentType": "application/cloudevents+json",
        "headers": {
            "type": "object",
            "properties": {"Nats-Msg-Id": {"type": "string", "description": "event id"}},
        },
        "payload": {
            "type": "object",
            "required": ["specversion", "id", "source", "type", "data"],
            "properties": {
                "specversion": {"const": "1.0"},
                "id": {"type": "string"},
                "source": {"type": "string"},
                "type": {"const": event_type},
                "subject": {"type": "string"},
                "time": {"type": "string", "format": "date-time"},
                "dataschema": {"type": "string"},
                "datacontenttype": {"const": "application/json"},
                "data": data,
            },
        },
    }


def _events() -> list[tuple[str, str, dict[str, Any]]]:
    """(channel name, event type, message) of every event the hub publishes."""
    from accord.application.flow_events import FLOW_EVENTS, event_data_schema
    from accord.canonical.registry import ALL_MODELS

    events = []
    for model in ALL_MODELS:
        name, version = model.SCHEMA_NAME, model.SCHEMA_VERSION
        event_type = f"accord.{name}.applied.v{version}"
        title = f"{name.replace('_', ' ')} applied"
        summary = f"A {name.replace('_', ' ')} record became the hub's current state."
        data = {"$ref": f"../schemas/{name}/v{version}.json"}
        events.append((f"{name}_applied", event_type, _message(event_type, title, summary, data)))
    for event in FLOW_EVENTS:
        channel = event.name.replace(".", "_")
        title = event.name.replace(".", " ").replace("_", " ")
        message = _message(event.type, title, event.summary, event_data_schema(event))
        events.append((channel, event.type, message))
    return events


def asyncapi_document() -> str:
    """AsyncAPI 3.0 for the events the hub publishes: one channel per canonical kind's
    `accord.<kind>.applied.v1` subject, each a CloudEvent whose data is that kind's schema,
    and one per change the flows make (`accord.flow_events.FLOW_EVENTS`)."""
    import yaml

    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for name, event_type, message in _events():
        messages[name] = message
        channels[name] = {
            "address": event_type,
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
        }
        operations[f"publish_{name}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{name}"},
        }
    document = {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Accord events",
            "version": "1.0.0",
            "description": "Canonical CloudEvents the hub publishes through its outbox: "
            "in-process subscribers, or NATS JetStream (one stream per domain, "
            "`Nats-Msg-Id` = CloudEvent id for broker-side deduplication). "
            "`accord.<kind>.applied.v1` announces a record the event log applied; the "
            "flows announce each change they make in another system, and the exception "
            "queue each exception opened or closed.",
        },
        "servers": {"nats": {"host": "127.0.0.1:4222", "protocol": "nats"}},
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }
    return str(yaml.safe_dump(document, sort_keys=True, width=100))


@api.command("asyncapi")
def asyncapi(
    out: Path = typer.Option(Path("docs/asyncapi.yaml"), help="where to write the document"),
) -> None:
    """Write the AsyncAPI 3 document of the published events."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(asyncapi_document())
    typer.echo(f"wrote {out}")


@api.command("openapi")
def openapi(
    out: Path = typer.Option(Path("docs/openapi.json"), help="where to write the document"),
) -> None:
    """Write the OpenAPI 3.1 document; CI fails when the committed one differs."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(openapi_document())
    typer.echo(f"wrote {out}")
