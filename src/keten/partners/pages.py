"""Pages of the partners domain: organizations and their sites with a map of supplier countries,
the sources of a part (a fragment the part page loads), and user management for admins."""

from __future__ import annotations

import json
from typing import Annotated, Any

import pycountry
from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from keten.deps import get_session
from keten.partners import auth, browse
from keten.partners.models import ORGANIZATION_ROLES
from keten.problems import Problem
from keten.ui import Page, Templates, access, gettext, language_of
from keten.ui.i18n import country_name

__all__ = ["PAGE_SIZE", "router", "supplier_countries"]

router = APIRouter(include_in_schema=False)
templates = Templates(__file__)

PAGE_SIZE = 50


def supplier_countries(session: Session, lang: str = "en") -> list[tuple[str, str, int]]:
    """Return (ISO 3166 alpha-3, country name in ``lang``, number of supplier sites) per country,
    most first."""
    result = []
    for alpha2, sites in browse.supplier_sites_per_country(session):
        country = pycountry.countries.get(alpha_2=alpha2.upper())
        if country is not None:
            result.append((country.alpha_3, country_name(alpha2, lang), sites))
    return result


@router.get("/organizations")
def organizations(
    request: Request,
    session: Annotated[Session, Depends(get_session, scope="function")],
    q: Annotated[str | None, Query(max_length=100)] = None,
    role: Annotated[str | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    role = role if role in ORGANIZATION_ROLES else None
    limit, offset = Page.bounds(page, PAGE_SIZE)
    items, total = browse.organizations_with_sites(session, q=q, role=role, limit=limit, offset=offset)
    countries = supplier_countries(session, language_of(request))
    map_data = {
        "locations": [c[0] for c in countries],
        "names": [c[1] for c in countries],
        "values": [c[2] for c in countries],
        "label": gettext(language_of(request), "Sites"),
    }
    return templates.render(
        request,
        "organizations.html",
        {
            "page": Page(items=items, number=max(page, 1), size=PAGE_SIZE, total=total),
            "q": q or "",
            "role": role,
            "roles": ORGANIZATION_ROLES,
            "countries": countries[:12],
            "map_json": json.dumps(map_data),
        },
    )


@router.get("/organizations/{code}")
def organization(
    request: Request, session: Annotated[Session, Depends(get_session, scope="function")], code: str
) -> Response:
    org, sites = browse.organization_sites_with_supply(session, code=code)
    return templates.render(request, "organization.html", {"org": org, "sites": sites})


@router.get("/partners/sourcing/{part_id}")
def part_sources(
    request: Request, session: Annotated[Session, Depends(get_session, scope="function")], part_id: int
) -> Response:
    """The sources of one part, as a table the part page loads."""
    sources = browse.part_sources_by_id(session, part_id=part_id)
    return templates.render(request, "_sources.html", {"sources": sources})


# --- users (admin) ---------------------------------------------------------------------------


def _users_page(
    request: Request, session: Session, *, error: str | None = None, status_code: int = 200
) -> Response:
    return templates.render(
        request,
        "users.html",
        {
            "users": auth.list_users(session),
            "roles": auth.ROLES,
            "error": error,
            "audit": auth.list_audit(session, limit=30),
        },
        status_code=status_code,
    )


@router.get("/users", openapi_extra=access("admin"))
def users(request: Request, session: Annotated[Session, Depends(get_session, scope="function")]) -> Response:
    return _users_page(request, session)


@router.post("/users", openapi_extra=access("admin"))
def create_user(
    request: Request,
    session: Annotated[Session, Depends(get_session, scope="function")],
    username: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=1000)],
    role: Annotated[str, Form()] = "viewer",
    display_name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    try:
        user = auth.create_user(
            session, username=username, password=password, role=role, display_name=display_name or None
        )
    except Problem as exc:
        session.rollback()
        return _users_page(request, session, error=exc.detail or exc.title, status_code=exc.status)
    auth.record_audit(
        session,
        username=request.state.user.username,
        action="create user",
        target=f"{user.username} ({role})",
    )
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{user_id}", openapi_extra=access("admin"))
def update_user(
    request: Request,
    session: Annotated[Session, Depends(get_session, scope="function")],
    user_id: int,
    role: Annotated[str | None, Form()] = None,
    active: Annotated[str | None, Form()] = None,
) -> Response:
    user = auth.user_by_id(session, user_id=user_id)
    if user is None:
        raise HTTPException(404, f"there is no user {user_id}")
    me: Any = request.state.user
    if user.id == me.id and (active == "no" or (role is not None and role != "admin")):
        raise HTTPException(409, "you cannot take away your own admin role or deactivate yourself")
    auth.update_user(session, user=user, role=role, active=None if active is None else active == "yes")
    auth.record_audit(
        session,
        username=me.username,
        action="update user",
        target=user.username,
        detail=f"role={user.role} active={user.active}",
    )
    return RedirectResponse("/users", status_code=303)
