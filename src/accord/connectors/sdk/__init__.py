"""The connector SDK: what a connector is, and the tools every connector shares.

- `connector`: `Connector`, `CheckResult` (with the `PROBES` a check reports), `probe`
  (a check that never raises), `idempotency_key`, `discover_connectors` (entry-point
  group `accord.connectors`).
- from `accord.canonical.streams`, the shapes a connector and the hub share: `Stream`,
  `Page`, `RejectedRecord`, `Cursor`.
- `http`: `HttpClient` with retries, rate and concurrency limits, a circuit breaker,
  metrics and structured logs; policies in `resilience`.
- `errors`: `RejectedError` (business refusal) vs `UnavailableError` (try later).
- `writes`: `ExternalIdUpsert`, `PostedDocument`, and `BATCH_POSTING` / `BatchOutcome`
  for a connector that posts many documents per call (an optional capability).
- `sessions`, `lookback`: what the vendor REST connectors share: the token refresh, a
  session for listings that gives up sooner, and a change cursor that looks back for
  writes that become visible late.
- `tabular`: mapping files (YAML) between rows of files or tables and canonical records,
  shared by the file-drop and SQL connectors.
- `testing`: fakes (scripted transport, clock) for connector tests.
"""

from accord.canonical.streams import Cursor, Page, RejectedRecord, Stream
from accord.connectors.sdk.connector import (
    ENTRY_POINT_GROUP,
    LISTING_ATTEMPTS,
    LISTING_PORTS,
    PROBES,
    SYSTEMS,
    CheckResult,
    Connector,
    ConnectorFactory,
    ConnectorNotFoundError,
    System,
    decode_cursor,
    discover_connectors,
    encode_cursor,
    idempotency_key,
    load_connector,
    probe,
    read_all,
)
from accord.connectors.sdk.errors import (
    CircuitOpenError,
    ConnectorError,
    RejectedError,
    ThrottledError,
    UnavailableError,
)
from accord.connectors.sdk.http import HttpClient
from accord.connectors.sdk.metrics import ConnectorMetrics, all_connector_metrics, connector_metrics
from accord.connectors.sdk.resilience import CircuitBreaker, CircuitState, RateLimit, RetryPolicy
from accord.connectors.sdk.writes import (
    BATCH_POSTING,
    BatchOutcome,
    ExternalIdUpsert,
    PostedDocument,
)

__all__ = [
    "BATCH_POSTING",
    "ENTRY_POINT_GROUP",
    "LISTING_ATTEMPTS",
    "LISTING_PORTS",
    "PROBES",
    "SYSTEMS",
    "BatchOutcome",
    "CheckResult",
    "CircuitBreaker",
    "CircuitOpenError",
    "CircuitState",
    "Connector",
    "ConnectorError",
    "ConnectorFactory",
    "ConnectorMetrics",
    "ConnectorNotFoundError",
    "Cursor",
    "ExternalIdUpsert",
    "HttpClient",
    "Page",
    "PostedDocument",
    "RateLimit",
    "RejectedError",
    "RejectedRecord",
    "RetryPolicy",
    "Stream",
    "System",
    "ThrottledError",
    "UnavailableError",
    "all_connector_metrics",
    "connector_metrics",
    "decode_cursor",
    "discover_connectors",
    "encode_cursor",
    "idempotency_key",
    "load_connector",
    "probe",
    "read_all",
]
