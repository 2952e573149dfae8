"""The exchange's HTTP surface: the PACT API at the root (``pact_router``: token endpoint, OpenID
discovery, JWKS, footprints and events of versions 2 and 3) and the owner's JSON API under /api
(``router``: partners and credentials, grants, the access log, publishing, pulls, requests).

The PACT routes answer in the specification's own error format (``{"code", "message"}``) with
its statuses, not with keten's problem details, and check the partner's bearer token themselves.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import math
from collections.abc import Callable, Hashable
from typing import Annotated, Any
from urllib.parse import parse_qs, unquote

from fastapi import APIRouter, Depends, Path, Query, Request, status
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.types import Scope

from keten import replay
from keten.apidoc import problems
from keten.deps import get_session
from keten.exchange import client, outbox, service
from keten.exchange.models import ExchangePartner
from keten.exchange.schemas import (
    AccessEntryRead,
    GrantCreate,
    GrantRead,
    OutboxEntryRead,
    PartnerCreate,
    PartnerCreated,
    PartnerRead,
    PartnerRemote,
    PublishedRead,
    PullReport,
    RequestCreate,
    RequestFulfil,
    RequestRead,
    RequestReject,
)
from keten.pagination import DEFAULT_LIMIT, MAX_LIMIT, Offset, Page, page
from keten.settings import Settings
from keten.ui import access

__all__ = ["REPLAY_LANE", "pact_router", "router"]

log = logging.getLogger(__name__)

pact_router = APIRouter(tags=["PACT"])
router = APIRouter(prefix="/exchange", tags=["exchange"])

DbSession = Annotated[Session, Depends(get_session, scope="function")]
RowId = Annotated[int, Path(ge=1, le=2_147_483_647)]
"""A row id in a path: the databases' 32-bit integer keys bound it."""
PARTNER = access("partner")
PACT_LIMIT = 100
"""Page size of ListFootprints when the caller names no limit."""

_ERROR_SCHEMA = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
}


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        s: {"description": "PACT error", "content": {"application/json": {"schema": _ERROR_SCHEMA}}}
        for s in statuses
    }


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def _pact_error(version: str, exc: service.PactError) -> JSONResponse:
    response = JSONResponse(exc.body(version), status_code=exc.status(version))
    if exc.code in ("BadRequest", "TokenExpired") and "token" in exc.message.lower():
        response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return response


def _answer(
    request: Request,
    session: Session,
    version: str,
    action: str,
    target: str,
    work: Callable[[ExchangePartner], Response],
) -> Response:
    """Run ``work`` for the partner of the request's token and log the call; PACT errors out."""
    partner: ExchangePartner | None = None
    try:
        if not _settings(request).pact_allow_http and request.url.scheme != "https":
            raise service.PactError("BadRequest", "The PACT API answers over HTTPS only")
        partner = service.partner_for_token(session, request.headers.get("authorization"))
        response = work(partner)
    except service.PactError as exc:
        session.rollback()
        response = _pact_error(version, exc)
    except Exception:
        log.exception("PACT %s failed", action)
        session.rollback()
        response = _pact_error(version, service.PactError("InternalError", "An internal error occurred"))
        partner = None
    if partner is not None:
        service.log_access(
            session,
            partner=partner,
            action=action,
            target=target,
            status=response.status_code,
            ip=_ip(request),
        )
    return response


# --- PACT: authentication ---------------------------------------------------------------------


def _oauth_error(status_code: int, error: str, description: str) -> JSONResponse:
    response = JSONResponse({"error": error, "error_description": description}, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    if status_code == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="keten PACT"'
    return response


def _basic(header: str | None) -> tuple[str, str] | None:
    scheme, _, encoded = (header or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        return None
    return unquote(client_id), unquote(secret)


@pact_router.post(
    "/auth/token",
    summary="Access token (OAuth 2 client credentials, HTTP Basic)",
    openapi_extra={
        **PARTNER,
        "requestBody": {
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "required": ["grant_type"],
                        "properties": {"grant_type": {"type": "string", "enum": ["client_credentials"]}},
                    }
                }
            }
        },
    },
    responses={
        400: {"description": "OAuth 2 error"},
        401: {"description": "OAuth 2 error: invalid_client"},
    },
)
async def token(request: Request, session: DbSession) -> Response:
    settings = _settings(request)
    if not settings.pact_allow_http and request.url.scheme != "https":
        return _oauth_error(400, "invalid_request", "the token endpoint answers over HTTPS only")
    body = (await request.body()).decode("utf-8", errors="replace")
    form = parse_qs(body)
    if form.get("grant_type") != ["client_credentials"]:
        return _oauth_error(400, "unsupported_grant_type", "grant_type must be client_credentials")
    credentials = _basic(request.headers.get("authorization"))
    if credentials is None:
        return _oauth_error(401, "invalid_client", "Client authentication failed")
    issuer = str(request.base_url).rstrip("/")

    def issue() -> Response:
        try:
            answer = service.issue_token(
                session,
                client_id=credentials[0],
                client_secret=credentials[1],
                issuer=issuer,
                lifetime_s=settings.pact_token_seconds,
            )
        except service.PactError:
            return _oauth_error(401, "invalid_client", "Client authentication failed")
        partner = service.partner_for_token(session, f"Bearer {answer['access_token']}")
        service.log_access(session, partner=partner, action="token", status=200, ip=_ip(request))
        response = JSONResponse(answer)
        response.headers["Cache-Control"] = "no-store"
        return response

    return await run_in_threadpool(issue)


@pact_router.get(
    "/.well-known/openid-configuration",
    summary="OpenID Provider metadata: where the token endpoint is",
    openapi_extra=access("public"),
)
def openid_configuration(request: Request) -> dict[str, Any]:
    base = str(request.base_url).rstrip("/")
    return {
        "issuer": base,
        "token_endpoint": f"{base}/auth/token",
        "jwks_uri": f"{base}/jwks",
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        "response_types_supported": ["token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["footprint:list", "footprint:read"],
    }


@pact_router.get("/jwks", summary="Public keys of the access tokens", openapi_extra=access("public"))
def jwks(session: DbSession) -> dict[str, Any]:
    return service.jwks(session)


# --- PACT: footprints and events --------------------------------------------------------------

_V3_FILTERS = ("productId", "companyId", "geography", "classification", "status")


def _limit_offset(request: Request) -> tuple[int, int]:
    def number(name: str, default: int) -> int:
        raw = request.query_params.get(name)
        if raw is None or raw == "":
            return default
        if not raw.isdigit():
            raise service.PactError("BadRequest", f"{name} must be a whole number")
        return int(raw)

    limit = number("limit", PACT_LIMIT)
    if limit < 1:
        raise service.PactError("BadRequest", "limit must be at least 1")
    return min(limit, MAX_LIMIT), min(number("offset", 0), 10**9)


def _v3_filters(request: Request) -> service.Filters:
    params = request.query_params
    filters = service.Filters(
        product_ids=params.getlist("productId") + params.getlist("productid"),
        company_ids=params.getlist("companyId") + params.getlist("companyid"),
        geography=params.getlist("geography"),
        classifications=params.getlist("classification"),
        status=params.getlist("status"),
    )
    for name, attr in (
        ("validOn", "valid_on"),
        ("validAfter", "valid_after"),
        ("validBefore", "valid_before"),
    ):
        raw = params.get(name) or params.get(name.lower())
        if raw:
            try:
                setattr(filters, attr, service.parse_time(raw.replace(" ", "+")))
            except ValueError as exc:
                raise service.PactError("BadRequest", f"{name}: {exc}") from None
    return filters


def _pact_links(request: Request, response: Response, *, more: bool, limit: int, offset: int) -> None:
    """Add the RFC 8288 Link header of a PACT page: absolute, on the request's host; ``next`` when
    more footprints follow, ``prev`` and ``first`` when this is not the first page."""

    def url(at: int) -> str:
        return str(request.url.include_query_params(limit=limit, offset=max(at, 0)))

    links = []
    if more:
        links.append(f'<{url(offset + limit)}>; rel="next"')
    if offset > 0:
        links.append(f'<{url(offset - limit)}>; rel="prev"')
        links.append(f'<{url(0)}>; rel="first"')
    if links:
        response.headers["Link"] = ", ".join(links)


async def _in_one_trip(
    request: Request,
    session: Session,
    version: str,
    action: str,
    target: str,
    work: Callable[[ExchangePartner], Response],
) -> Response:
    """Answer a PACT read in one trip to the thread pool: token, grants, page and the end of the
    read's transaction, so the event loop never waits for the database and the request pays one
    thread hand-over instead of one per dependency."""

    def run() -> Response:
        response = _answer(request, session, version, action, target, work)
        session.commit()
        return response

    return await run_in_threadpool(run)


def _mark_replayable(
    request: Request, session: Session, partner: ExchangePartner, action: str, target: str
) -> None:
    """Let keten.replay answer the same call again from memory until a partner, grant, published
    footprint or part category changes, or the partner's first grant expires."""
    expiry = service.grants_expiry(session, partner)
    replay.mark(
        request,
        replay.Mark(
            counter="exchange",
            valid_until=expiry.timestamp() if expiry is not None else math.inf,
            min_issued_at=service.issued_since(partner),
            subject_id=partner.id,
            note=(action, target),
        ),
    )


def _replay_key(scope: Scope) -> tuple[Hashable, Any] | None:
    """Return the replay key of a PACT footprint read by a partner whose token this process has
    verified (the normal way verifies a new one), or None."""
    path: str = scope["path"]
    if not path.startswith(("/2/footprints", "/3/footprints")):
        return None
    state = scope["app"].state
    if not state.settings.pact_allow_http and scope["scheme"] != "https":
        return None
    authorization = replay.header(scope, b"authorization")
    scheme, _, token = (authorization or b"").decode("latin-1").partition(" ")
    if scheme.lower() != "bearer":
        return None
    claims = service.known_claims(state.engine, token.strip())
    if claims is None:
        return None
    return (str(claims["sub"]), path, scope["query_string"], replay.header(scope, b"host")), claims


def _replayed(scope: Scope, _claims: dict[str, Any], answer: replay.Mark) -> None:
    client = scope.get("client")
    service.record_access(
        scope["app"].state.engine,
        partner_id=answer.subject_id,
        action=answer.note[0],
        target=answer.note[1],
        status=200,
        ip=client[0] if client else None,
    )


REPLAY_LANE = replay.Lane(
    counter="exchange",
    key=_replay_key,
    admit=lambda claims, answer: service.secret_of(claims) >= answer.min_issued_at,
    replayed=_replayed,
)
"""PACT footprint reads replayed from memory; every call is still logged (keten.replay)."""


async def _list(request: Request, session: DbSession, version: str) -> Response:
    target = str(request.url.query)[:300]

    def work(partner: ExchangePartner) -> Response:
        limit, offset = _limit_offset(request)
        if version == "2":
            text = request.query_params.get("$filter")
            filters = service.parse_odata_filter(text) if text else None
        else:
            filters = _v3_filters(request)
        texts, more = service.visible_footprints(
            session, partner=partner, version=version, limit=limit, offset=offset, filters=filters
        )
        response = Response(('{"data":[' + ",".join(texts) + "]}").encode(), media_type="application/json")
        _pact_links(request, response, more=more, limit=limit, offset=offset)
        _mark_replayable(request, session, partner, "list footprints", target)
        return response

    return await _in_one_trip(request, session, version, "list footprints", target, work)


async def _get(request: Request, session: DbSession, version: str, pf_id: str) -> Response:
    def work(partner: ExchangePartner) -> Response:
        text = service.visible_footprint(session, partner=partner, version=version, pf_id=pf_id[:64])
        _mark_replayable(request, session, partner, "get footprint", pf_id[:64])
        return Response(('{"data":' + text + "}").encode(), media_type="application/json")

    return await _in_one_trip(request, session, version, "get footprint", pf_id[:64], work)


async def _events(request: Request, session: Session, version: str) -> Response:
    raw = await request.body()

    def work(partner: ExchangePartner) -> Response:
        try:
            event = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise service.PactError("BadRequest", "the body is not JSON") from None
        handled = service.handle_event(session, partner=partner, version=version, event=event)
        if handled.fetch:
            # The specification expects a quick 200; fetching calls the supplier and recalculates,
            # so the outbox's worker does it once this request's transaction is committed.
            outbox.enqueue_fetch(
                session, partner=partner, event_id=event["id"], pf_ids=handled.announced, version=version
            )
        return Response(status_code=200)

    def run() -> Response:
        return _answer(request, session, version, "event", "", work)

    return await run_in_threadpool(run)


_EVENT_BODY = {
    "requestBody": {
        "content": {
            "application/cloudevents+json": {
                "schema": {
                    "type": "object",
                    "required": ["specversion", "id", "source", "type", "data"],
                    "properties": {
                        "specversion": {"type": "string"},
                        "id": {"type": "string"},
                        "source": {"type": "string"},
                        "time": {"type": "string", "format": "date-time"},
                        "type": {"type": "string"},
                        "data": {"type": "object"},
                    },
                }
            }
        }
    }
}
_LIST_PARAMS = {
    "parameters": [
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1}},
        {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
    ]
}


@pact_router.get(
    "/2/footprints",
    summary="PACT v2 ListFootprints",
    openapi_extra={
        **PARTNER,
        "parameters": [
            *_LIST_PARAMS["parameters"],
            {"name": "$filter", "in": "query", "schema": {"type": "string"}},
        ],
    },
    responses=_errors(400, 401, 403, 500),
)
async def list_footprints_v2(request: Request, session: DbSession) -> Response:
    return await _list(request, session, "2")


@pact_router.get(
    "/2/footprints/{footprint_id}",
    summary="PACT v2 GetFootprint",
    openapi_extra=PARTNER,
    responses=_errors(400, 401, 403, 404, 500),
)
async def get_footprint_v2(request: Request, session: DbSession, footprint_id: str) -> Response:
    return await _get(request, session, "2", footprint_id)


@pact_router.post(
    "/2/events",
    summary="PACT v2 Events (CloudEvents)",
    openapi_extra={**PARTNER, **_EVENT_BODY},
    responses={200: {"description": "Accepted"}, **_errors(400, 401, 403, 500)},
)
async def events_v2(request: Request, session: DbSession) -> Response:
    return await _events(request, session, "2")


@pact_router.get(
    "/3/footprints",
    summary="PACT v3 ListFootprints",
    openapi_extra={
        **PARTNER,
        "parameters": [
            *_LIST_PARAMS["parameters"],
            *(
                {"name": n, "in": "query", "schema": {"type": "array", "items": {"type": "string"}}}
                for n in _V3_FILTERS
            ),
            *(
                {"name": n, "in": "query", "schema": {"type": "string", "format": "date-time"}}
                for n in ("validOn", "validAfter", "validBefore")
            ),
        ],
    },
    responses=_errors(400, 401, 403, 500),
)
async def list_footprints_v3(request: Request, session: DbSession) -> Response:
    return await _list(request, session, "3")


@pact_router.get(
    "/3/footprints/{footprint_id}",
    summary="PACT v3 GetFootprint",
    openapi_extra=PARTNER,
    responses=_errors(400, 401, 403, 404, 500),
)
async def get_footprint_v3(request: Request, session: DbSession, footprint_id: str) -> Response:
    return await _get(request, session, "3", footprint_id)


@pact_router.post(
    "/3/events",
    summary="PACT v3 Events (CloudEvents)",
    openapi_extra={**PARTNER, **_EVENT_BODY},
    responses={200: {"description": "Accepted"}, **_errors(400, 401, 403, 500)},
)
async def events_v3(request: Request, session: DbSession) -> Response:
    return await _events(request, session, "3")


# --- the owner's API --------------------------------------------------------------------------

ADMIN = access("admin")
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


def _partner_read(partner: ExchangePartner, session: Session) -> dict[str, Any]:
    from keten.partners.models import Organization

    organization = session.get(Organization, partner.organization_id) if partner.organization_id else None
    return {
        "code": partner.code,
        "name": partner.name,
        "organization": organization.code if organization else None,
        "client_id": partner.client_id,
        "secret_set_at": partner.secret_set_at,
        "revoked_at": partner.revoked_at,
        "created_at": partner.created_at,
        "base_url": partner.base_url,
        "pact_version": partner.pact_version,
    }


def _source(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get("/partners", response_model=list[PartnerRead], summary="Exchange partners")
def list_partners(session: DbSession) -> Any:
    return [_partner_read(p, session) for p in service.list_partners(session)]


@router.post(
    "/partners",
    response_model=PartnerCreated,
    status_code=status.HTTP_201_CREATED,
    summary="New partner with client credentials (the secret is shown once)",
    openapi_extra=ADMIN,
    responses=problems(409, 422),
)
def create_partner(data: PartnerCreate, session: DbSession) -> Any:
    partner, secret = service.create_partner(session, data=data)
    return {**_partner_read(partner, session), "client_secret": secret}


@router.get("/partners/{code}", response_model=PartnerRead, responses=problems(404))
def get_partner(code: str, session: DbSession) -> Any:
    return _partner_read(service.get_partner(session, code=code), session)


@router.post(
    "/partners/{code}/rotate",
    response_model=PartnerCreated,
    summary="New client secret; the old one and its tokens stop working",
    openapi_extra=ADMIN,
    responses=problems(404),
)
def rotate(code: str, session: DbSession) -> Any:
    partner, secret = service.rotate_secret(session, code=code)
    return {**_partner_read(partner, session), "client_secret": secret}


@router.post(
    "/partners/{code}/revoke",
    response_model=PartnerRead,
    summary="Revoke the partner's credentials",
    openapi_extra=ADMIN,
    responses=problems(404),
)
def revoke(code: str, session: DbSession) -> Any:
    return _partner_read(service.revoke_partner(session, code=code), session)


@router.put(
    "/partners/{code}/remote",
    response_model=PartnerRead,
    summary="Where and with which credentials this node calls the partner's PACT API",
    openapi_extra=ADMIN,
    responses=problems(404),
)
def set_remote(code: str, remote: PartnerRemote, session: DbSession) -> Any:
    return _partner_read(service.set_remote(session, code=code, remote=remote), session)


@router.post(
    "/partners/{code}/pull",
    response_model=PullReport,
    summary="Pull the partner's footprints, store them as primary data, recalculate",
    responses=problems(404, 422),
)
def pull(code: str, request: Request, session: DbSession) -> Any:
    result = client.pull(session, partner_code=code, options=client.CallOptions.of(_settings(request)))
    return result.__dict__


@router.get("/grants", response_model=list[GrantRead], summary="Grants of footprints to partners")
def list_grants(session: DbSession, partner: str | None = None) -> Any:
    return service.grant_rows(session, partner=partner)


@router.post(
    "/grants",
    response_model=GrantRead,
    status_code=status.HTTP_201_CREATED,
    summary="Grant a part or a product group to a partner, for a purpose, until an expiry",
    responses=problems(404, 422),
)
def create_grant(data: GrantCreate, request: Request, session: DbSession) -> Any:
    user = getattr(request.state, "user", None)
    grant = service.create_grant(session, data=data, username=user.username if user else None)
    return next(g for g in service.grant_rows(session, partner=data.partner) if g["id"] == grant.id)


@router.post(
    "/grants/{grant_id}/revoke",
    response_model=GrantRead,
    summary="Revoke a grant: the partner stops seeing its footprints at once",
    responses=problems(404),
)
def revoke_grant(grant_id: RowId, session: DbSession) -> Any:
    grant = service.revoke_grant(session, grant_id=grant_id)
    return next(g for g in service.grant_rows(session) if g["id"] == grant.id)


@router.get("/access-log", response_model=Page[AccessEntryRead], summary="Who read what, when")
def access_log(
    request: Request,
    response: Response,
    session: DbSession,
    partner: str | None = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> Page[AccessEntryRead]:
    rows, total = service.access_log(session, limit=limit, offset=offset, partner=partner)
    items = [
        {
            "at": e.at,
            "partner": code,
            "action": e.action,
            "target": e.target,
            "status": e.status,
            "ip": e.ip,
        }
        for e, code in rows
    ]
    return page(Page[AccessEntryRead], request, response, items, total, limit=limit, offset=offset)


@router.get("/footprints", response_model=Page[PublishedRead], summary="Published footprints")
def list_published(
    request: Request, response: Response, session: DbSession, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0
) -> Page[PublishedRead]:
    items, total = service.list_published(session, limit=limit, offset=offset)
    return page(Page[PublishedRead], request, response, items, total, limit=limit, offset=offset)


@router.post(
    "/footprints/{part_number}/publish",
    response_model=PublishedRead,
    status_code=status.HTTP_201_CREATED,
    summary="Publish the part's latest footprint over PACT (validated against the schema); "
    "granted partners' Published events are queued in the outbox with it",
    responses=problems(404, 422),
)
def publish(part_number: str, request: Request, session: DbSession) -> Any:
    settings = _settings(request)
    published = service.publish(session, part_number=part_number, node_name=settings.node_name)
    # Queued in this request's transaction: no partner is told of a footprint that was not kept,
    # and none makes the owner wait.
    client.notify_published(session, pf_ids=[published.id], source=_source(request))
    return {
        "id": published.id,
        "part_number": part_number,
        "version": published.version,
        "status": published.status,
        "created_at": published.created_at,
        "valid_from": published.valid_from,
        "valid_to": published.valid_to,
        "product_ids": published.product_ids,
    }


@router.get("/requests", response_model=list[RequestRead], summary="Footprint requests, both ways")
def list_requests(
    session: DbSession,
    direction: Annotated[str | None, Query(pattern="^(incoming|outgoing)$")] = None,
    status_: Annotated[str | None, Query(alias="status", pattern="^(pending|fulfilled|rejected)$")] = None,
) -> Any:
    return service.list_requests(session, direction=direction, status=status_)


@router.post(
    "/requests",
    response_model=RequestRead,
    status_code=status.HTTP_201_CREATED,
    summary="Ask a supplier for a part's footprint (RequestCreated event, queued in the outbox)",
    responses=problems(404, 422),
)
def create_request(data: RequestCreate, request: Request, session: DbSession) -> Any:
    created = client.send_request(
        session,
        partner_code=data.partner,
        part_number=data.part_number,
        comment=data.comment,
        source=_source(request),
    )
    return service.request_row(created, data.partner)


@router.post(
    "/requests/{request_id}/fulfil",
    response_model=RequestRead,
    summary="Fulfil an incoming request with a part's footprint (RequestFulfilled event, queued)",
    responses=problems(404, 409, 422),
)
def fulfil(request_id: RowId, data: RequestFulfil, request: Request, session: DbSession) -> Any:
    done = client.fulfil(
        session,
        request_id=request_id,
        part_number=data.part_number,
        source=_source(request),
        node_name=_settings(request).node_name,
    )
    return service.request_row(done, service.partner_code(session, done.partner_id))


@router.post(
    "/requests/{request_id}/reject",
    response_model=RequestRead,
    summary="Reject an incoming request with a reason (RequestRejected event, queued)",
    responses=problems(404, 409, 422),
)
def reject(request_id: RowId, data: RequestReject, request: Request, session: DbSession) -> Any:
    done = client.reject(
        session,
        request_id=request_id,
        reason=data.reason,
        source=_source(request),
    )
    return service.request_row(done, service.partner_code(session, done.partner_id))


EDITOR = access("editor")


@router.get(
    "/outbox",
    response_model=Page[OutboxEntryRead],
    summary="Events and fetches for partners, with their attempts",
)
def list_outbox(
    request: Request,
    response: Response,
    session: DbSession,
    status_: Annotated[
        str | None, Query(alias="status", pattern="^(pending|delivering|delivered|failed|cancelled)$")
    ] = None,
    partner: Annotated[str | None, Query(max_length=64)] = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> Page[OutboxEntryRead]:
    items, total = outbox.list_entries(session, status=status_, partner=partner, limit=limit, offset=offset)
    return page(Page[OutboxEntryRead], request, response, items, total, limit=limit, offset=offset)


@router.post(
    "/outbox/{entry_id}/retry",
    response_model=OutboxEntryRead,
    summary="Try an entry again now, with three new days of back-off",
    openapi_extra=EDITOR,
    responses=problems(404, 409),
)
def retry_outbox(entry_id: RowId, session: DbSession) -> Any:
    entry = outbox.retry(session, entry_id=entry_id)
    return outbox.entry_row(entry, service.partner_code(session, entry.partner_id))


@router.post(
    "/outbox/{entry_id}/cancel",
    response_model=OutboxEntryRead,
    summary="Stop trying an entry",
    openapi_extra=EDITOR,
    responses=problems(404, 409),
)
def cancel_outbox(entry_id: RowId, session: DbSession) -> Any:
    entry = outbox.cancel(session, entry_id=entry_id)
    return outbox.entry_row(entry, service.partner_code(session, entry.partner_id))
