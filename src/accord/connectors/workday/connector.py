"""The Workday connector (`workday`): workers as the HR system over Workday's REST API
(see docs/connectors-workday.md).

Settings (the landscape's `settings`, plus `base_url`, retry and limits):

- `base_url`: the tenant's REST host, e.g. `https://wd2-impl-services1.workday.com`
- `tenant`: the tenant name, as in `/ccx/api/v1/{tenant}`
- `client_id`, `client_secret`, `refresh_token`: the API client registered for
  integrations (secrets as `{env: VAR}` or `{file: PATH}`)
- `mapping`: the worker mapping file (default: the shipped `worker-resource.yaml`)
- `worker_id_type`: the reference id type of Accord's resource id (`Employee_ID`)
- `page_size`: workers per request (`limit`, at most 100)
- `look_back_seconds`: how far behind the last `lastUpdated` read the stream reads
  again, for workers that become visible late (default 300; see `sdk.lookback`)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from accord.canonical.v1 import Resource
from accord.connectors.sdk import (
    CheckResult,
    ConnectorError,
    RejectedError,
    Stream,
    System,
)
from accord.connectors.sdk.lookback import look_back_from_config
from accord.connectors.sdk.settings import http_client_from_config
from accord.connectors.workday.mapping import WorkerMapping, worker_mapping
from accord.connectors.workday.session import WorkdaySession
from accord.connectors.workday.stream import WorkerStream, all_workers

NAME = "workday"
REQUIRED = ("base_url", "tenant", "client_id", "client_secret", "refresh_token")


def session_from_config(config: Mapping[str, Any]) -> WorkdaySession:
    """The authenticated session; a missing setting is a ValueError naming it."""
    missing = [key for key in REQUIRED if not config.get(key)]
    if missing:
        raise ValueError(
            f"{NAME}: settings need {', '.join(missing)} (the tenant's REST host and name, "
            "and the API client registered for integrations with its refresh token)"
        )
    client = http_client_from_config(config, str(config["base_url"]), NAME)
    return WorkdaySession(
        client,
        str(config["tenant"]),
        str(config["client_id"]),
        str(config["client_secret"]),
        str(config["refresh_token"]),
    )


class WorkdayHrConnector:
    """Connector and `HrGateway` for Workday as the HR system."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.session = session_from_config(config)
        self.mapping: WorkerMapping = worker_mapping(config.get("mapping"))
        self.id_type = str(config.get("worker_id_type", "Employee_ID"))
        self.page_size = min(100, int(config.get("page_size", 100)))
        self.workers = WorkerStream(
            "workers", self.session, self.mapping, self.page_size, look_back_from_config(config)
        )

    @property
    def name(self) -> str:
        return NAME

    @property
    def system(self) -> System:
        return "hr"

    def check(self, config: Mapping[str, Any]) -> CheckResult:
        """Sign in and read one worker; the message says what to fix."""
        try:
            session = session_from_config(config)
        except ValueError as error:
            return CheckResult(False, str(error))
        where = f"{config['base_url']} tenant {config['tenant']}"
        try:
            total = session.get("/workers", params={"limit": 1}).json().get("total")
        except ConnectorError as error:
            reachable = isinstance(error, RejectedError)
            return CheckResult(False, f"{NAME}: {where}: {error.reason}", {"reachable": reachable})
        finally:
            session.client.close()
        return CheckResult(
            True, f"{NAME}: signed in to {where}; {total} workers", {"reachable": True}
        )

    def close(self) -> None:
        self.session.client.close()

    def streams(self) -> list[Stream]:
        return [self.workers]

    def ports(self) -> dict[str, object]:
        return {"HrGateway": self}

    def list_workers(self) -> Sequence[Resource]:
        """Every worker; one its mapping cannot read raises (the stream rejects it)."""
        return [self.mapping.map_worker(w) for w in self._all()]

    def get_worker(self, resource_id: str) -> Resource | None:
        """The worker whose reference id (`worker_id_type`, default `Employee_ID`) is
        `resource_id`, or None."""
        reference = f"{self.id_type}={quote(resource_id, safe='')}"
        try:
            found = self.session.get(f"/workers/{reference}").json()
        except RejectedError as error:
            if error.status == 404:
                return None
            raise
        return self.mapping.map_worker(found)

    def _all(self) -> Iterator[dict[str, Any]]:
        return all_workers(self.session, {}, self.page_size)


def connector_factory(config: Mapping[str, Any]) -> WorkdayHrConnector:
    """Entry point `workday`: Workday as the HR system."""
    return WorkdayHrConnector(config)
