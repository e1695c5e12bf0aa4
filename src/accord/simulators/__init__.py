"""Stand-ins for the vendors' systems: Salesforce, Kantata OX, Workday and NetSuite, each
serving its vendor's documented API over HTTP (ASGI), for tests and demos.

A simulator models the vendor, not Accord: it imports no connector, so a connector that
drifts from the documented API fails against it. Each runs in-process under a test
(`create_app(Simulator())`) or as a server of its own
(`python -m accord.simulators.<vendor> --port PORT`); `serving` holds what they share.
"""
