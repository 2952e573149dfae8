"""Pages of the exchange: partners and their credentials, grants, the access log, the queue of
footprint requests and the outbox. Admins manage credentials; editors grant, publish, answer
requests and retry or cancel what the outbox delivers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from keten.catalog.models import Part
from keten.deps import get_session
from keten.exchange import client, outbox, service
from keten.exchange.models import OUTBOX_STATUSES
from keten.exchange.schemas import GrantCreate, PartnerCreate, PartnerRemote
from keten.partners.models import Organization
from keten.problems import Problem
from keten.settings import Settings
from keten.ui import Page, Templates, access, language_of
from keten.ui.i18n import translate_message

__all__ = ["PAGE_SIZE", "router"]

router = APIRouter(include_in_schema=False)
templates = Templates(__file__)

DbSession = Annotated[Session, Depends(get_session, scope="function")]
RowId = Annotated[int, Path(ge=1, le=2_147_483_647)]
"""A row id in a path: the databases' 32-bit integer keys bound it."""
PAGE_SIZE = 50
ADMIN = access("admin")
EDITOR = access("editor")


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _partners_page(
    request: Request,
    session: Session,
    *,
    secret: tuple[str, str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    organizations = session.scalars(select(Organization.code).order_by(Organization.code)).all()
    return templates.render(
        request,
        "exchange_partners.html",
        {
            "tab": "partners",
            "partners": service.list_partners(session),
            "organizations": organizations,
            "secret": secret,
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/exchange")
def partners(request: Request, session: DbSession) -> Response:
    return _partners_page(request, session)


@router.post("/exchange/partners", openapi_extra=ADMIN)
def create_partner(
    request: Request,
    session: DbSession,
    code: Annotated[str, Form(max_length=64)],
    name: Annotated[str, Form(max_length=200)],
    organization: Annotated[str, Form(max_length=64)] = "",
    base_url: Annotated[str, Form(max_length=500)] = "",
    client_id: Annotated[str, Form(max_length=200)] = "",
    client_secret: Annotated[str, Form(max_length=500)] = "",
    pact_version: Annotated[str, Form(max_length=1)] = "2",
) -> Response:
    try:
        remote = None
        if base_url or client_id or client_secret:
            remote = PartnerRemote(
                base_url=base_url or None,
                client_id=client_id or None,
                client_secret=client_secret or None,
                pact_version="3" if pact_version == "3" else "2",
            )
        data = PartnerCreate(code=code, name=name, organization=organization or None, remote=remote)
        partner, secret = service.create_partner(session, data=data)
    except Problem as exc:
        session.rollback()
        return _partners_page(request, session, error=exc.detail or exc.title, status_code=exc.status)
    except ValueError as exc:
        session.rollback()
        return _partners_page(request, session, error=str(exc).splitlines()[0], status_code=422)
    return _partners_page(request, session, secret=(partner.code, partner.client_id, secret))


@router.post("/exchange/partners/{code}/rotate", openapi_extra=ADMIN)
def rotate(request: Request, session: DbSession, code: str) -> Response:
    partner, secret = service.rotate_secret(session, code=code)
    return _partners_page(request, session, secret=(partner.code, partner.client_id, secret))


@router.post("/exchange/partners/{code}/revoke", openapi_extra=ADMIN)
def revoke(session: DbSession, code: str) -> Response:
    service.revoke_partner(session, code=code)
    return RedirectResponse("/exchange", status_code=303)


def _grants_page(
    request: Request, session: Session, *, error: str | None = None, status_code: int = 200
) -> Response:
    categories = session.scalars(
        select(Part.category).where(Part.category.is_not(None)).distinct().order_by(Part.category)
    ).all()
    grant_rows = service.grant_rows(session)
    # A partner granted a part sees nothing of it until its footprint is published: say so.
    unpublished = sorted(
        {
            g["part_number"]
            for g in grant_rows
            if g["active"]
            and g["part_number"]
            and service.active_published(session, part_number=g["part_number"]) is None
        }
    )
    return templates.render(
        request,
        "exchange_grants.html",
        {
            "tab": "grants",
            "grants": grant_rows,
            "unpublished": unpublished,
            "partners": service.list_partners(session),
            "categories": categories,
            "published": service.list_published(session, limit=PAGE_SIZE, offset=0)[0],
            "error": None if error is None else translate_message(language_of(request), error),
        },
        status_code=status_code,
    )


@router.get("/exchange/grants")
def grants(request: Request, session: DbSession) -> Response:
    return _grants_page(request, session)


@router.post("/exchange/grants", openapi_extra=EDITOR)
def create_grant(
    request: Request,
    session: DbSession,
    partner: Annotated[str, Form(max_length=64)],
    purpose: Annotated[str, Form(max_length=200)],
    part_number: Annotated[str, Form(max_length=64)] = "",
    category: Annotated[str, Form(max_length=64)] = "",
    expires_at: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    try:
        expires = datetime.fromisoformat(expires_at) if expires_at else None
        data = GrantCreate(
            partner=partner,
            part_number=part_number or None,
            category=category or None,
            purpose=purpose,
            expires_at=expires,
        )
        service.create_grant(session, data=data, username=request.state.user.username)
    except Problem as exc:
        session.rollback()
        return _grants_page(request, session, error=exc.detail or exc.title, status_code=exc.status)
    except ValueError as exc:
        session.rollback()
        return _grants_page(request, session, error=str(exc).splitlines()[0], status_code=422)
    return RedirectResponse("/exchange/grants", status_code=303)


@router.post("/exchange/grants/{grant_id}/revoke", openapi_extra=EDITOR)
def revoke_grant(session: DbSession, grant_id: RowId) -> Response:
    service.revoke_grant(session, grant_id=grant_id)
    return RedirectResponse("/exchange/grants", status_code=303)


@router.post("/exchange/publish", openapi_extra=EDITOR)
def publish(
    request: Request, session: DbSession, part_number: Annotated[str, Form(max_length=64)]
) -> Response:
    settings = _settings(request)
    try:
        published = service.publish(session, part_number=part_number, node_name=settings.node_name)
    except Problem as exc:
        session.rollback()
        return _grants_page(request, session, error=exc.detail or exc.title, status_code=exc.status)
    # Queued with the publication, in the request's transaction (see the JSON API's publish).
    client.notify_published(session, pf_ids=[published.id], source=str(request.base_url).rstrip("/"))
    return RedirectResponse("/exchange/grants", status_code=303)


@router.get("/exchange/log")
def access_log(
    request: Request,
    session: DbSession,
    partner: Annotated[str | None, Query(max_length=64)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    limit, offset = Page.bounds(page, PAGE_SIZE)
    rows, total = service.access_log(session, limit=limit, offset=offset, partner=partner or None)
    return templates.render(
        request,
        "exchange_log.html",
        {
            "tab": "log",
            "page": Page(items=rows, number=page, size=PAGE_SIZE, total=total),
            "partner": partner or "",
            "partners": service.list_partners(session),
        },
    )


def _requests_page(
    request: Request, session: Session, *, error: str | None = None, status_code: int = 200
) -> Response:
    return templates.render(
        request,
        "exchange_requests.html",
        {
            "tab": "requests",
            "incoming": service.list_requests(session, direction="incoming"),
            "outgoing": service.list_requests(session, direction="outgoing"),
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/exchange/requests")
def requests(request: Request, session: DbSession) -> Response:
    return _requests_page(request, session)


def _answer(request: Request, session: Session, work: Any) -> Response:
    try:
        work()
    except Problem as exc:
        session.rollback()
        return _requests_page(request, session, error=exc.detail or exc.title, status_code=exc.status)
    return RedirectResponse("/exchange/requests", status_code=303)


@router.post("/exchange/requests/{request_id}/fulfil", openapi_extra=EDITOR)
def fulfil(
    request: Request, session: DbSession, request_id: RowId, part_number: Annotated[str, Form(max_length=64)]
) -> Response:
    settings = _settings(request)
    return _answer(
        request,
        session,
        lambda: client.fulfil(
            session,
            request_id=request_id,
            part_number=part_number,
            source=str(request.base_url).rstrip("/"),
            node_name=settings.node_name,
        ),
    )


@router.post("/exchange/requests/{request_id}/reject", openapi_extra=EDITOR)
def reject(
    request: Request, session: DbSession, request_id: RowId, reason: Annotated[str, Form(max_length=1000)]
) -> Response:
    return _answer(
        request,
        session,
        lambda: client.reject(
            session,
            request_id=request_id,
            reason=reason,
            source=str(request.base_url).rstrip("/"),
        ),
    )


def _outbox_page(
    request: Request,
    session: Session,
    *,
    status: str | None,
    number: int = 1,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    limit, offset = Page.bounds(number, PAGE_SIZE)
    rows, total = outbox.list_entries(session, status=status, limit=limit, offset=offset)
    return templates.render(
        request,
        "exchange_outbox.html",
        {
            "tab": "outbox",
            "page": Page(items=rows, number=number, size=PAGE_SIZE, total=total),
            "status": status or "",
            "statuses": OUTBOX_STATUSES,
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/exchange/outbox")
def outbox_page(
    request: Request,
    session: DbSession,
    status: Annotated[str | None, Query(pattern="^(pending|delivering|delivered|failed|cancelled)?$")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    return _outbox_page(request, session, status=status or None, number=page)


def _outbox_action(request: Request, session: Session, work: Any) -> Response:
    try:
        work()
    except Problem as exc:
        session.rollback()
        return _outbox_page(
            request, session, status=None, error=exc.detail or exc.title, status_code=exc.status
        )
    return RedirectResponse("/exchange/outbox", status_code=303)


@router.post("/exchange/outbox/{entry_id}/retry", openapi_extra=EDITOR)
def retry_entry(request: Request, session: DbSession, entry_id: RowId) -> Response:
    return _outbox_action(request, session, lambda: outbox.retry(session, entry_id=entry_id))


@router.post("/exchange/outbox/{entry_id}/cancel", openapi_extra=EDITOR)
def cancel_entry(request: Request, session: DbSession, entry_id: RowId) -> Response:
    return _outbox_action(request, session, lambda: outbox.cancel(session, entry_id=entry_id))
