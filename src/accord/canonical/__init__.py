"""Canonical boundary: versioned pydantic schemas, the CloudEvents envelope, JSON Schema.

Connectors map external records to these models; events carry them; `schemas/` holds
their committed JSON Schemas, and `accord schema check` guards their compatibility.
`streams` holds the pages of records a connector's inbound feed hands the hub.
"""
