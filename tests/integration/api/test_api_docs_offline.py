"""The API docs need no network: /docs (Swagger UI) and /redoc load their scripts and
styles from the hub itself, and the hub serves them."""

from __future__ import annotations

import re

import pytest

from tests.integration.api.conftest import ApiWorld


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_pages_load_only_assets_the_hub_serves(world: ApiWorld, page: str) -> None:
    html = world.client.get(page)
    assert html.status_code == 200
    assets = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)["\']', html.text)
    assets += re.findall(r'url:\s*["\']([^"\']+)["\']', html.text)  # the OpenAPI document
    assert assets and all(a.startswith("/") and not a.startswith("//") for a in assets), assets
    assert "cdn" not in html.text.lower() and "fonts.googleapis" not in html.text
    for asset in assets:
        served = world.client.get(asset)
        assert served.status_code == 200, asset
        assert len(served.content) > 100, asset
