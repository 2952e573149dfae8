"""The EPCIS 2.0 REST binding at /epcis (``epcis_router``), and the owner's lifecycle API under
/api/lifecycle (``router``): a machine's timeline, a product's circularity.

The binding at /epcis: capture (documents, with their capture jobs, and single
events), events by id, and the SimpleEventQuery over /epcis/events with pagination.

A caller is a keten user with an API token (reading needs a viewer, capturing an editor) or an
exchange partner with its PACT bearer token, who captures and sees the machines its grants cover.
Errors are RFC 9457 problems typed with the binding's exception names (epcisException:…).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from keten.apidoc import problems
from keten.deps import get_session
from keten.exchange import service as exchange
from keten.lifecycle import service
from keten.lifecycle.schemas import CircularityAssumptions, ProductCircularityRead, TimelineRead
from keten.partners import auth
from keten.problems import Problem
from keten.ui import access

__all__ = ["EPCIS_CONTEXT", "epcis_router", "router"]

epcis_router = APIRouter(prefix="/epcis", tags=["EPCIS"])
router = APIRouter(prefix="/lifecycle", tags=["lifecycle"])

DbSession = Annotated[Session, Depends(get_session, scope="function")]
PARTNER = access("partner")
EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
VERSION_HEADERS = {"GS1-EPCIS-Version": "2.0.0", "GS1-CBV-Version": "2.0.0"}
_JSON_TYPES = ("application/json", "application/ld+json")


def _unauthorized(detail: str) -> Problem:
    return Problem(401, "Unauthorized", detail, type_="epcisException:SecurityException")


def _caller(request: Request, session: Session, *, write: bool) -> service.Caller:
    """Return who the request's bearer token names: a keten user (by API token) or a partner."""
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret:
        raise _unauthorized("send a keten API token or a partner's access token as 'Authorization: Bearer …'")
    if secret.startswith(auth.TOKEN_PREFIX):
        user = auth.user_for_api_token(session, secret)
        if user is None:
            raise _unauthorized("the API token is unknown, expired or revoked")
        needed = "editor" if write else "viewer"
        if not auth.has_role(user.role, needed):
            raise Problem(
                403,
                "Forbidden",
                f"your role ({user.role}) does not allow this; it needs {needed}",
                type_="epcisException:SecurityException",
            )
        return service.Caller(username=user.username)
    try:
        partner = exchange.partner_for_token(session, header)
    except exchange.PactError:
        raise _unauthorized("the access token is unknown, expired or of a revoked partner") from None
    return service.partner_caller(session, partner=partner)


def _reader(request: Request, session: DbSession) -> service.Caller:
    return _caller(request, session, write=False)


def _writer(request: Request, session: DbSession) -> service.Caller:
    return _caller(request, session, write=True)


# Declared before the body, so a caller without credentials hears 401 before anything about the body.
Reader = Annotated[service.Caller, Depends(_reader)]
Writer = Annotated[service.Caller, Depends(_writer)]


def _check_version(request: Request) -> None:
    asked = request.headers.get("GS1-EPCIS-Version")
    if asked is not None and not asked.strip().startswith("2.0"):
        raise Problem(
            406,
            "Unsupported EPCIS version",
            f"this repository speaks EPCIS 2.0.0, not {asked}",
            type_="epcisException:ImplementationException",
        )


async def _json_body(request: Request) -> Any:
    """Return the request's JSON body; a 415 or 400 problem when it is not JSON."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in _JSON_TYPES:
        raise Problem(
            415, "Unsupported media type", f"send {' or '.join(_JSON_TYPES)}, not '{kind or 'nothing'}'"
        )
    try:
        return json.loads(await request.body())
    except ValueError as exc:
        raise Problem(
            400, "Not JSON", f"the body is not JSON: {exc}", type_="epcisException:ValidationException"
        ) from None


Body = Annotated[Any, Depends(_json_body)]


def _headers(**extra: str) -> dict[str, str]:
    return {**VERSION_HEADERS, **extra}


def _query_document(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "@context": [EPCIS_CONTEXT],
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "epcisBody": {
            "queryResults": {"queryName": "SimpleEventQuery", "resultsBody": {"eventList": events}}
        },
    }


@epcis_router.post("/capture", status_code=202, openapi_extra=PARTNER, summary="Capture an EPCISDocument")
def capture(request: Request, session: DbSession, caller: Writer, document: Body) -> Response:
    """Store every event of an EPCISDocument (those this node has not stored yet), or none of them
    with the reasons; answer 202 with the capture job's URL in Location."""
    _check_version(request)
    behaviour = request.headers.get("GS1-Capture-Error-Behaviour", "rollback").strip()
    result = service.capture_document(session, document=document, caller=caller, error_behaviour=behaviour)
    location = f"/epcis/capture/{result.capture_id}"
    return Response(status_code=202, headers=_headers(Location=location))


@epcis_router.get("/capture", openapi_extra=PARTNER, summary="List capture jobs")
def capture_jobs(
    session: DbSession,
    caller: Reader,
    per_page: Annotated[int, Query(alias="perPage", ge=1, le=1000)] = 30,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> JSONResponse:
    """Return the caller's capture jobs, newest first."""
    jobs = service.list_capture_jobs(session, caller=caller, limit=per_page, offset=offset)
    return JSONResponse(json.loads(json.dumps(jobs, default=_iso)), headers=_headers())


@epcis_router.get("/capture/{capture_id}", openapi_extra=PARTNER, summary="A capture job's status")
def capture_status(capture_id: str, session: DbSession, caller: Reader) -> JSONResponse:
    """Return whether the capture job is running and whether it succeeded, with its errors."""
    job = service.capture_job(session, capture_id=capture_id, caller=caller)
    return JSONResponse(json.loads(json.dumps(job, default=_iso)), headers=_headers())


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
    raise TypeError(f"{type(value).__name__} is not JSON")


@epcis_router.post("/events", status_code=201, openapi_extra=PARTNER, summary="Capture one event")
def create_event(request: Request, session: DbSession, caller: Writer, event: Body) -> Response:
    """Store one EPCIS event sent on its own; 201 with its URL in Location (the stored event's when
    the same event was captured before)."""
    _check_version(request)
    result = service.capture_event(session, event=event, caller=caller)
    location = f"/epcis/events/{quote(result.event_ids[0], safe='')}"
    return Response(status_code=201, headers=_headers(Location=location))


@epcis_router.get("/events", openapi_extra=PARTNER, summary="Query events (SimpleEventQuery)")
def list_events(request: Request, session: DbSession, caller: Reader) -> JSONResponse:
    """Return one page of the events matching the query parameters, as an EPCISQueryDocument; the
    Link header names the next page while there is one."""
    params = dict(request.query_params)
    page = service.query_events(session, params=params, caller=caller)
    headers = _headers()
    if page.next_token is not None:
        following = {k: v for k, v in params.items() if k != "nextPageToken"} | {
            "nextPageToken": page.next_token
        }
        headers["Link"] = f'<{request.url.path}?{urlencode(following)}>; rel="next"'
    return JSONResponse(_query_document(page.events), headers=headers, media_type="application/ld+json")


@epcis_router.get("/events/{event_id:path}", openapi_extra=PARTNER, summary="One event by its id")
def read_event(event_id: str, session: DbSession, caller: Reader) -> JSONResponse:
    """Return the event with this eventID (or event hash id) in an EPCISQueryDocument."""
    event = service.get_event(session, event_id=event_id, caller=caller)
    return JSONResponse(_query_document([event]), headers=_headers(), media_type="application/ld+json")


@epcis_router.options("/capture", openapi_extra=PARTNER, summary="What capture accepts")
def capture_options() -> Response:
    """Announce the EPCIS version and the most events one capture may hold."""
    limit = str(service.CAPTURE_LIMIT)
    return Response(
        status_code=204, headers=_headers(**{"GS1-EPCIS-Capture-Limit": limit, "Allow": "OPTIONS, GET, POST"})
    )


# --- the owner's API under /api/lifecycle --------------------------------------------------------


@router.get(
    "/machines/{gtin}/{serial}",
    response_model=TimelineRead,
    summary="A machine's timeline",
    responses=problems(404, 422),
)
def machine_timeline(
    gtin: Annotated[str, Path(pattern=r"^\d{14}$")],
    serial: Annotated[str, Path(min_length=1, max_length=40)],
    request: Request,
    session: DbSession,
) -> TimelineRead:
    """Return every event of the serialized machine, oldest first, and its status, as-maintained
    modules and service record."""
    user = request.state.user
    found = service.timeline(session, gtin=gtin, serial=serial, caller=service.Caller(username=user.username))
    return TimelineRead(machine=found.machine, lifecycle=found.lifecycle, events=found.events)


@router.get(
    "/products/{part_number}/circularity",
    response_model=ProductCircularityRead,
    summary="A product's circularity",
)
def product_circularity(
    part_number: Annotated[str, Path(max_length=64)],
    assumptions: Annotated[CircularityAssumptions, Query()],
    request: Request,
    session: DbSession,
) -> ProductCircularityRead:
    """Return the recycled content, recoverable mass and Material Circularity Indicator of one unit."""
    resolver = request.app.state.settings.resolver_url
    return service.product_circularity(
        session, part_number=part_number, assumptions=assumptions, resolver=resolver
    )
