"""A simulator served under a prefix: the sandbox landscape mounts each under
`/<vendor>` of its one server, where a request's URL path still holds the prefix and
Starlette's `base_url` leaves it out. A simulator reads paths and builds its own URLs
(Salesforce's `instance_url`, NetSuite's `Location`) with these, so it answers the same
whether it runs alone or mounted.
"""

from __future__ import annotations

from starlette.requests import Request


def inner_path(request: Request) -> str:
    """The request's path inside the simulator (without the prefix it is mounted under)."""
    path: str = request.scope["path"]
    root: str = request.scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def served_at(request: Request) -> str:
    """The URL the simulator is served at, prefix included, without a trailing slash:
    `http://127.0.0.1:8000/salesforce` mounted, `http://127.0.0.1:8701` alone."""
    root: str = request.scope.get("root_path", "")
    return f"{request.url.scheme}://{request.url.netloc}{root}".rstrip("/")
