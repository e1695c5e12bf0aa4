"""The connector testing kit.

- `fakes`: `FakeHttpServer` (a scripted `httpx.MockTransport`), `FakeClock`, `FakeSleep`.
- `suite`: `ConnectorContract`, the standard pytest suite every connector's tests inherit
  (import it from `accord.connectors.sdk.testing.suite`; it needs pytest).
"""

from accord.connectors.sdk.testing.fakes import FakeClock, FakeHttpServer, FakeSleep, Handler

__all__ = ["FakeClock", "FakeHttpServer", "FakeSleep", "Handler"]
