"""The shell's own pages: sign-in and out, the language switch, the account with API tokens, the
overview, and the assets served from installed packages (Plotly, Swagger UI)."""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from keten.catalog.models import BomLine, Material, Part
from keten.dataio import service as dataio
from keten.deps import get_session
from keten.partners import auth
from keten.partners.models import Organization, Site, Sourcing, User
from keten.ui import Page, Templates, access
from keten.ui.i18n import COOKIE as LANGUAGE_COOKIE
from keten.ui.i18n import LANGUAGES
from keten.web.access import CSRF_COOKIE, SESSION_COOKIE, client_ip
from keten.web.board import board_figures

__all__ = ["PLOTLY_JS", "router"]

router = APIRouter(include_in_schema=False)
templates = Templates(__file__)

PLOTLY_JS = Path(str(files("plotly") / "package_data" / "plotly.min.js"))
_YEAR = 365 * 24 * 3600
LEAF_KINDS = ("component", "material", "consumable")


def _secure(request: Request) -> bool:
    configured: bool | None = request.app.state.settings.cookie_secure
    return configured if configured is not None else request.url.scheme == "https"


def _safe_next(target: str | None) -> str:
    # Only paths on this node: an open redirect would let a phishing link borrow keten's sign-in page.
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


# --- sign-in ---------------------------------------------------------------------------------


def _signin_page(
    request: Request,
    *,
    next_: str,
    error: str | None = None,
    error_values: dict[str, Any] | None = None,
    status_code: int = 200,
    username: str = "",
    headers: dict[str, str] | None = None,
) -> Response:
    token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
    context = {
        "next": next_,
        "error": error,
        "error_values": error_values or {},
        "signin_csrf": token,
        "username": username,
    }
    response = templates.render(request, "signin.html", context, status_code=status_code, headers=headers)
    response.set_cookie(
        CSRF_COOKIE, token, httponly=True, samesite="lax", secure=_secure(request), path="/signin"
    )
    return response


@router.get("/signin", openapi_extra=access("public"))
def signin_form(request: Request, next: str | None = None) -> Response:
    if getattr(request.state, "user", None) is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _signin_page(request, next_=_safe_next(next))


@router.post("/signin", openapi_extra=access("public"))
def signin(
    request: Request,
    session: Annotated[Session, Depends(get_session, scope="function")],
    username: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=1000)],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    next_ = _safe_next(next)
    expected = request.cookies.get(CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(csrf_token, expected):
        return _signin_page(
            request, next_=next_, error="The form expired; please try again.", status_code=403
        )
    ip = client_ip(request)
    try:
        user = auth.authenticate(session, username=username, password=password, ip=ip)
    except auth.SignInThrottled as exc:
        return _signin_page(
            request,
            next_=next_,
            error="Too many failed sign-ins; try again in {seconds} seconds.",
            error_values={"seconds": exc.retry_after},
            status_code=429,
            username=username,
            headers={"Retry-After": str(exc.retry_after)},
        )
    except auth.SignInRefused:
        auth.record_audit(session, username=username[:100], action="sign-in refused", ip=ip)
        return _signin_page(
            request,
            next_=next_,
            error="The username or password is wrong.",
            status_code=401,
            username=username,
        )
    hours: float = request.app.state.settings.session_hours
    secret, _row = auth.open_web_session(session, user=user, lifetime=timedelta(hours=hours), ip=ip)
    auth.record_audit(session, username=user.username, action="sign in", ip=ip)
    response = RedirectResponse(next_, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=int(hours * 3600),
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )
    response.delete_cookie(CSRF_COOKIE, path="/signin")
    return response


@router.post("/signout", openapi_extra=access("viewer"))
def signout(
    request: Request, session: Annotated[Session, Depends(get_session, scope="function")]
) -> Response:
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        auth.close_web_session(session, secret)
    user = request.state.user
    auth.record_audit(session, username=user.username, action="sign out", ip=client_ip(request))
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.post("/language", openapi_extra=access("public"))
def set_language(
    request: Request, lang: Annotated[str, Form()], next: Annotated[str, Form()] = "/"
) -> Response:
    response = RedirectResponse(_safe_next(next), status_code=303)
    if lang in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE, lang, max_age=_YEAR, httponly=True, samesite="lax", secure=_secure(request)
        )
    return response


# --- account and API tokens ------------------------------------------------------------------


def _me(session: Session, request: Request) -> User:
    user = session.get(User, request.state.user.id)
    assert user is not None, "the guard found this user in this request's session"
    return user


def _account_page(
    request: Request, session: Session, *, new_secret: str | None = None, status_code: int = 200
) -> Response:
    return templates.render(
        request,
        "account.html",
        {"tokens": auth.list_api_tokens(session, user=_me(session, request)), "new_secret": new_secret},
        status_code=status_code,
    )


@router.get("/account")
def account(
    request: Request, session: Annotated[Session, Depends(get_session, scope="function")]
) -> Response:
    return _account_page(request, session)


@router.post("/account/tokens", openapi_extra=access("viewer"))
def create_token(
    request: Request,
    session: Annotated[Session, Depends(get_session, scope="function")],
    name: Annotated[str, Form(max_length=100)],
) -> Response:
    secret, token = auth.create_api_token(session, user=_me(session, request), name=name)
    auth.record_audit(
        session,
        username=request.state.user.username,
        action="create API token",
        target=f"{token.name} ({token.prefix}…)",
        ip=client_ip(request),
    )
    return _account_page(request, session, new_secret=secret)


@router.post("/account/tokens/{token_id}/revoke", openapi_extra=access("viewer"))
def revoke_token(
    request: Request, session: Annotated[Session, Depends(get_session, scope="function")], token_id: int
) -> Response:
    token = auth.revoke_api_token(session, user=_me(session, request), token_id=token_id)
    auth.record_audit(
        session,
        username=request.state.user.username,
        action="revoke API token",
        target=f"{token.name} ({token.prefix}…)",
        ip=client_ip(request),
    )
    return RedirectResponse("/account", status_code=303)


# --- overview --------------------------------------------------------------------------------


def _count(session: Session, statement: Any) -> int:
    return int(session.scalar(statement) or 0)


def overview_data(session: Session) -> dict[str, Any]:
    """Return the overview's counts, last imports and warnings; each a single indexed query."""
    kinds: dict[str, int] = {
        kind: int(n) for kind, n in session.execute(select(Part.kind, func.count()).group_by(Part.kind))
    }
    counts = [
        ("products", kinds.get("product", 0), "/parts?kind=product"),
        ("parts", sum(kinds.values()), "/parts"),
        ("BOM lines", _count(session, select(func.count()).select_from(BomLine)), None),
        ("materials", _count(session, select(func.count()).select_from(Material)), None),
        ("organizations", _count(session, select(func.count()).select_from(Organization)), "/organizations"),
        ("sites", _count(session, select(func.count()).select_from(Site)), "/organizations"),
        ("sourcing links", _count(session, select(func.count()).select_from(Sourcing)), None),
    ]
    unsourced = _count(
        session,
        select(func.count())
        .select_from(Part)
        .where(Part.kind.in_(LEAF_KINDS), ~exists().where(Sourcing.part_id == Part.id)),
    )
    massless = _count(session, select(func.count()).select_from(Part).where(Part.mass_kg.is_(None)))
    bomless = _count(
        session,
        select(func.count())
        .select_from(Part)
        .where(Part.kind == "product", ~exists().where(BomLine.parent_id == Part.id)),
    )
    warnings = [
        (text, count, href)
        for text, count, href in (
            ("Bought parts without a source: {count}", unsourced, "/unsourced"),
            ("Parts without mass: {count}", massless, "/parts?problem=no-mass"),
            ("Products without a BOM: {count}", bomless, "/parts?problem=no-bom"),
        )
        if count
    ]
    return {
        "counts": counts,
        "loaded": sum(kinds.values()) > 0,
        "imports": dataio.recent_imports(session, limit=8),
        "warnings": warnings,
    }


@router.get("/unsourced")
def unsourced(
    request: Request,
    session: Annotated[Session, Depends(get_session, scope="function")],
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """Bought parts (components, materials, consumables) that no supplier site supplies."""
    statement = select(Part).where(Part.kind.in_(LEAF_KINDS), ~exists().where(Sourcing.part_id == Part.id))
    limit, offset = Page.bounds(page, 50)
    items = list(session.scalars(statement.order_by(Part.part_number).limit(limit).offset(offset)))
    total = _count(session, select(func.count()).select_from(statement.subquery()))
    return templates.render(
        request, "unsourced.html", {"page": Page(items=items, number=page, size=50, total=total)}
    )


@router.get("/")
def overview(
    request: Request, session: Annotated[Session, Depends(get_session, scope="function")]
) -> Response:
    return templates.render(request, "overview.html", {**overview_data(session), **board_figures(session)})


# --- assets from installed packages and the API's documentation ------------------------------


@router.get("/vendor/plotly.min.js", openapi_extra=access("public"))
def plotly_js() -> Response:
    return FileResponse(
        PLOTLY_JS, media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"}
    )


@router.get("/api/openapi.json")
def openapi(request: Request) -> Response:
    schema: dict[str, Any] = request.app.openapi()
    # Every operation needs a personal API token; saying so lets Swagger UI offer "Authorize".
    schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
    schemes["apiToken"] = {
        "type": "http",
        "scheme": "bearer",
        "description": "A personal API token: create one on the Account page or with `keten user token`.",
    }
    schema["security"] = [{"apiToken": []}]
    return JSONResponse(schema)


@router.get("/docs")
def docs(request: Request) -> Response:
    return templates.render(request, "docs.html")
