"""Dashboard forms refuse cross-site posts, in two independent checks.

1. Origin: every POST the dashboard serves (sign-in, sign-out, exception actions) must
   name the dashboard's own scheme, host and port in `Origin`, or, when a browser omits
   it, in `Referer`; a post with neither, or from anywhere else, is a 403 before the form
   or the session is looked at.
2. Form token: a signed-in form carries `csrf`, an HMAC of the session id the page was
   rendered for. Another site can neither read it nor compute it (the id sits in an
   HttpOnly cookie), so a forged form fails even where an Origin slips through.

The session cookie is also SameSite=Strict; neither check relies on that.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qs, urlsplit

from fastapi import Request

from accord.http.problems import ProblemError
from accord.http.security.auth import SESSION_COOKIE

FORM_TOKEN_FIELD = "csrf"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_TOKEN_CONTEXT = b"accord-dashboard-form"


def _origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def _refused(detail: str) -> ProblemError:
    return ProblemError(403, "cross-site-request", "Cross-site request refused", detail)


async def same_origin(request: Request) -> None:
    """A dependency for dashboard routes: a POST must come from the dashboard's own pages."""
    if request.method in _SAFE_METHODS:
        return
    expected = f"{request.url.scheme}://{request.url.netloc}".lower()
    origin = request.headers.get("origin")
    claimed = _origin_of(origin) if origin else None
    if origin is None:
        referer = request.headers.get("referer")
        claimed = _origin_of(referer) if referer else None
    if claimed != expected:
        raise _refused(
            f"the dashboard accepts forms only from its own pages: the request's origin "
            f"({claimed or origin or 'none sent'}) is not {expected}; submit the form from "
            "the dashboard (behind a proxy, forward the original Host and scheme)"
        )


def form_token(session_id: str) -> str:
    """The form token of a session: its forms carry it, the server recomputes it."""
    return hmac.new(session_id.encode(), _TOKEN_CONTEXT, hashlib.sha256).hexdigest()


def page_form_token(request: Request) -> str:
    """The form token for the page being rendered ("" when not signed in)."""
    session_id = request.cookies.get(SESSION_COOKIE)
    return form_token(session_id) if session_id else ""


async def read_form(request: Request) -> dict[str, str]:
    """The posted form's fields (first value of each), URL-encoded as browsers send it."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return {name: values[0] for name, values in parse_qs(body).items()}


def check_form_token(request: Request, form: dict[str, str]) -> None:
    """403 unless the form carries the token of the session that sent it."""
    session_id = request.cookies.get(SESSION_COOKIE, "")
    sent = form.get(FORM_TOKEN_FIELD, "")
    if not session_id or not sent or not hmac.compare_digest(sent, form_token(session_id)):
        raise _refused(
            "the form token is missing or is not this session's; reload the dashboard page "
            "and submit the form from it"
        )
