"""The HTTP plumbing the API (`accord.api`) and the dashboard (`accord.web`) both sit on:
problem documents, correlation ids, who is asking and what they may do, the hub's
services by typed port, and the e-invoice download.

It imports neither of them, and they never import each other: `accord.http_app` mounts
both in one app."""
