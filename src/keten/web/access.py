"""The door of every route: who is asking (API token or browser session), may they, and did their
form come from one of our pages (CSRF).

``guard`` is a dependency of the whole application, so a route added later is protected without
anyone remembering to. A route names the least role it needs in ``openapi_extra`` (see
keten.ui.access); without it, reading needs a viewer and writing an editor.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from keten.deps import get_session
from keten.partners import auth
from keten.ui import ACCESS_KEY

__all__ = [
    "CSRF_COOKIE",
    "CSRF_FIELD",
    "SAFE_METHODS",
    "SESSION_COOKIE",
    "RoleRequired",
    "SignInRequired",
    "client_ip",
    "guard",
    "identify",
    "required_level",
]

SESSION_COOKIE = "keten_session"
CSRF_COOKIE = "keten_csrf"
"""Double-submit token of the sign-in form, which is posted before a session exists."""
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SignInRequired(HTTPException):
    """No valid credentials: pages send the browser to sign in, the API answers 401."""

    def __init__(self, detail: str = "sign in, or send an API token as 'Authorization: Bearer …'") -> None:
        super().__init__(401, detail, headers={"WWW-Authenticate": 'Bearer realm="keten"'})


class RoleRequired(HTTPException):
    """Signed in, but the role is too weak for this route."""

    def __init__(self, role: str, required: str) -> None:
        super().__init__(403, f"your role ({role}) does not allow this; it needs the {required} role")
        self.role = role
        self.required = required


def required_level(route: Any, method: str) -> str:
    """Return the least access level ``route`` needs for ``method``: public, partner, viewer, editor
    or admin."""
    extra = getattr(route, "openapi_extra", None) or {}
    level = extra.get(ACCESS_KEY)
    if isinstance(level, str):
        return level
    return "viewer" if method.upper() in SAFE_METHODS else "editor"


def client_ip(request: Request) -> str:
    """Return the caller's address as the server sees it."""
    return request.client.host if request.client else "unknown"


def identify(request: Request, session: Session) -> tuple[auth.Principal | None, str, str | None]:
    """Return (user, CSRF token of the session, 'token' | 'session' | None) for the request's credentials."""
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() == "bearer" and secret.strip():
        user = auth.user_for_api_token(session, secret.strip())
        if user is None:
            raise SignInRequired("the API token is unknown, expired or revoked")
        return auth.Principal.of(user), "", "token"
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        info = auth.user_for_web_session(session, cookie)
        if info is not None:
            return auth.Principal.of(info.user), info.csrf_token, "session"
    return None, "", None


def _has_credentials(request: Request) -> bool:
    return bool(request.headers.get("authorization")) or SESSION_COOKIE in request.cookies


async def _authorize(
    request: Request, session: Annotated[Session, Depends(get_session, scope="function")]
) -> auth.Principal | None:
    level = required_level(request.scope.get("route"), request.method)
    if level == "partner":
        # The PACT API: its bearer tokens are partners' tokens, which the route itself checks.
        request.state.user, request.state.csrf_token, request.state.auth = None, "", None
        return None
    if _has_credentials(request):
        # Only credentials need the database, and it is waited for off the event loop.
        user, csrf_token, via = await run_in_threadpool(identify, request, session)
    else:
        user, csrf_token, via = None, "", None
    request.state.user = user
    request.state.csrf_token = csrf_token
    request.state.auth = via
    if user is not None and request.method not in SAFE_METHODS:
        # Read by keten.web.audit when the request's transaction commits.
        session.info["audit_actor"] = {
            "username": user.username,
            "action": f"{request.method} {request.url.path}",
            "ip": client_ip(request),
        }
    if level == "public":
        return user
    if user is None:
        raise SignInRequired()
    if not auth.has_role(user.role, level):
        raise RoleRequired(user.role, level)
    return user


async def guard(
    request: Request, user: Annotated[auth.Principal | None, Depends(_authorize)]
) -> auth.Principal | None:
    """Return the signed-in user (None on a public route); refuse missing credentials, weak roles and
    cross-site forms."""
    if request.method in SAFE_METHODS or request.state.auth != "session":
        # A bearer token is never sent by a browser on its own, so it needs no CSRF token.
        return user
    sent = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if not sent and content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    expected = request.state.csrf_token
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        raise HTTPException(403, "the form's CSRF token is missing or wrong; reload the page and try again")
    return user
