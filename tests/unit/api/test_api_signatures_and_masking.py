"""Webhook signatures, field masking and cursors, as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from accord.api.pagination import page_of
from accord.application.masking import MASK, masked_for
from accord.application.security import Principal, Role
from accord.application.webhooks import Rejection, WebhookRejected, sign, verify_signature
from accord.http.problems import ProblemError
from accord.http.security.redaction import redact

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=5)


def test_a_signature_verifies_only_for_the_same_secret_body_and_a_recent_time() -> None:
    header = sign("s3cret", b"{}", int(NOW.timestamp()))
    assert verify_signature("s3cret", header, b"{}", NOW, WINDOW)
    cases = [
        ("other", header, b"{}", NOW, Rejection.BAD_SIGNATURE),
        ("s3cret", header, b"{ }", NOW, Rejection.BAD_SIGNATURE),
        ("s3cret", header, b"{}", NOW + timedelta(minutes=6), Rejection.STALE_TIMESTAMP),
        ("s3cret", "v1=abc", b"{}", NOW, Rejection.MALFORMED_SIGNATURE),
        ("s3cret", None, b"{}", NOW, Rejection.MISSING_SIGNATURE),
    ]
    for secret, given, body, now, expected in cases:
        with pytest.raises(WebhookRejected) as rejected:
            verify_signature(secret, given, body, now, WINDOW)
        assert rejected.value.rejection is expected


def test_sensitive_fields_are_masked_at_any_depth_for_roles_without_sensitive() -> None:
    document = {"name": "Ada", "cost_rates": [{"rate": "80"}], "lines": [{"margin": "10"}]}
    viewer = Principal("v", frozenset({Role.VIEWER}), "oidc")
    finance = Principal("f", frozenset({Role.FINANCE}), "oidc")
    assert masked_for(viewer, document) == {
        "name": "Ada",
        "cost_rates": MASK,
        "lines": [{"margin": MASK}],
    }
    assert masked_for(finance, document) == document


def test_cursor_pages_cover_every_item_once_and_reject_foreign_cursors() -> None:
    seen: list[int] = []
    cursor = None
    while True:
        items, cursor = page_of(list(range(1, 8)), lambda n: n, cursor, 3)
        seen += items
        if cursor is None:
            break
    assert seen == list(range(1, 8))
    with pytest.raises(ProblemError):
        page_of([1], lambda n: n, "not-a-cursor", 3)


def test_credentials_are_redacted_from_text() -> None:
    text = "Authorization: Bearer acc_0123456789ab_SeCrEt-_x and sig t=1,v1=" + "ab" * 32
    cleaned = redact(text)
    assert "SeCrEt" not in cleaned and "abab" not in cleaned
