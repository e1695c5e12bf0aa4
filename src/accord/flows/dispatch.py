"""Where a flow runs when it is started: in this process, on the shared queue, or by a
client that only writes to the system database.

Every flow id is a business key, so starting a flow twice runs it once whichever way it
was started. The embedded hub (`accord up`, role `all`) runs flows in its own process.
Scaled out, worker processes listen on the `accord-flows` DBOS queue and the API and
scheduler processes enqueue onto it through a `DBOSClient`, so they execute nothing
themselves and any live worker picks the flow up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ParamSpec, Protocol, TypeVar

from dbos import DBOS, DBOSClient, EnqueueOptions, SetWorkflowID

FLOW_QUEUE = "accord-flows"
APPLICATION = "accord"
P = ParamSpec("P")
R = TypeVar("R")
_names: dict[Callable[..., Any], str] = {}


def workflow(name: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Register a flow's workflow with DBOS under `name`, the name the system database
    records and a client enqueues it by. Flows in progress are recovered by it: never
    change it (the names are the functions' own, as DBOS would choose by default)."""

    def register(function: Callable[P, R]) -> Callable[P, R]:
        registered = DBOS.workflow(name=name)(function)
        _names[registered] = name
        return registered

    return register


def workflow_name(workflow: Callable[..., Any]) -> str:
    """The name a flow's workflow was registered under (see `workflow`)."""
    return _names[workflow]


class FlowDispatch(Protocol):
    """Start, message and inspect flows; implementations decide where flows execute."""

    def start(self, workflow: Callable[..., Any], workflow_id: str, *args: Any) -> None: ...

    def send(self, workflow_id: str, message: str, topic: str) -> None: ...

    def list_workflows(self, **filters: Any) -> list[Any]: ...

    def result(self, workflow_id: str) -> Any: ...


class InProcessDispatch:
    """Flows run in this process (DBOS launched here): the embedded default."""

    def start(self, workflow: Callable[..., Any], workflow_id: str, *args: Any) -> None:
        with SetWorkflowID(workflow_id):
            DBOS.start_workflow(workflow, *args)

    def send(self, workflow_id: str, message: str, topic: str) -> None:
        DBOS.send(workflow_id, message, topic)

    def list_workflows(self, **filters: Any) -> list[Any]:
        return list(DBOS.list_workflows(**filters))

    def result(self, workflow_id: str) -> Any:
        return DBOS.retrieve_workflow(workflow_id).get_result()


class QueueDispatch(InProcessDispatch):
    """A worker (DBOS launched here): flows go on the shared queue, so the flows one
    flow starts (postings of an invoice run) spread over every live worker."""

    def start(self, workflow: Callable[..., Any], workflow_id: str, *args: Any) -> None:
        queue = DBOS.retrieve_queue(FLOW_QUEUE)
        if queue is None:
            raise RuntimeError(f"the {FLOW_QUEUE} queue is not registered; start a worker")
        with SetWorkflowID(workflow_id):
            queue.enqueue(workflow, *args)


class ClientDispatch:
    """An API or scheduler process: it only writes to the system database; workers run
    what it enqueues."""

    def __init__(self, system_database_url: str) -> None:
        DBOS.migrate(system_database_url)
        self._client = DBOSClient(
            system_database_url=system_database_url, application_name=APPLICATION
        )

    def start(self, workflow: Callable[..., Any], workflow_id: str, *args: Any) -> None:
        options: EnqueueOptions = {
            "queue_name": FLOW_QUEUE,
            "workflow_name": workflow_name(workflow),
            "workflow_id": workflow_id,
        }
        self._client.enqueue(options, *args)

    def send(self, workflow_id: str, message: str, topic: str) -> None:
        self._client.send(workflow_id, message, topic)

    def list_workflows(self, **filters: Any) -> list[Any]:
        return list(self._client.list_workflows(**filters))

    def result(self, workflow_id: str) -> Any:
        return self._client.retrieve_workflow(workflow_id).get_result()

    def close(self) -> None:
        self._client.destroy()


_current: FlowDispatch = InProcessDispatch()


def use(dispatch: FlowDispatch) -> None:
    """Choose how this process starts flows (once, at start-up)."""
    global _current
    _current = dispatch


def current() -> FlowDispatch:
    return _current
