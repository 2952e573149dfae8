"""JSON API of passports: issue, revise, read by tier (JSON, JSON-LD, QR), inputs, grants, integrity;
and the public documents every verifier needs: the signing keys and the JSON-LD context.

Reading a passport is public on purpose: the answer is filtered server-side to the caller's tier
(public without credentials), so the same URL serves a recycler, an authority and the owner.
"""

from __future__ import annotations

import io
from collections.abc import Hashable
from typing import Annotated, Any, Literal
from urllib.parse import quote

import segno
from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile, status
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.types import Scope

from keten import replay
from keten.apidoc import problems
from keten.deps import get_session
from keten.pagination import DEFAULT_LIMIT, MAX_LIMIT, Offset, Page, page
from keten.passports import jsonld, service
from keten.passports.models import PassportRecord, PassportRevision
from keten.passports.schemas import (
    AasxImportRead,
    GrantIn,
    GrantRead,
    IssueIn,
    MemberIn,
    NameplateRead,
    PassportInputData,
    PassportRead,
    RevisionRead,
)
from keten.ui import access

__all__ = [
    "JSONLD",
    "REPLAY_LANE",
    "TierQuery",
    "mark_public_read",
    "passport_read",
    "public_router",
    "qr_response",
    "reader_tier",
    "router",
]

router = APIRouter(tags=["passports"])
public_router = APIRouter(tags=["passports"])

DbSession = Annotated[Session, Depends(get_session, scope="function")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
TierQuery = Annotated[
    Literal["public", "legitimate_interest", "authority", "owner"] | None,
    Query(description="Read at this tier, if it is not above the caller's own (to see what others see)."),
]
JSONLD = "application/ld+json"
AASX = "application/asset-administration-shell-package+xml"
"""The media type of an AASX package (AAS Part 5)."""
AAS_JSON = "application/aas+json"
"""keten's name for an AAS environment in JSON (shell and submodels): no media type is registered."""
PUBLIC = access("public")


def reader_tier(request: Request, session: Session, asked: str | None = None) -> str:
    """Return the tier a request reads at: the caller's, or a lower one it asked for."""
    user = getattr(request.state, "user", None)
    tier = service.caller_tier(session, user_id=user.id if user is not None else None)
    if asked is not None and service.RANK[asked] < service.RANK[tier]:
        return asked
    return tier


def passport_read(record: PassportRecord, resolver: str) -> PassportRead:
    """Return a passport row as the API lists it."""
    return PassportRead(
        id=f"urn:uuid:{record.uid}",
        level=record.level,
        part_number=record.part_number,
        gtin=record.gtin,
        serial=record.serial,
        batch=record.batch,
        digital_link=resolver.rstrip("/") + record.link,
        current_revision=record.current_revision,
        created_at=record.created_at,
    )


def _revision_read(revision: PassportRevision) -> RevisionRead:
    return RevisionRead(
        number=revision.number,
        sha256=revision.sha256,
        previous_sha256=revision.previous_sha256,
        key_id=revision.key_id,
        created_at=revision.created_at,
        created_by=revision.created_by,
    )


def _resolver(request: Request) -> str:
    return str(request.app.state.settings.resolver_url)


def _username(request: Request) -> str | None:
    user = getattr(request.state, "user", None)
    return user.username if user is not None else None


def json_answer(
    session: Session,
    request: Request,
    *,
    tier: str,
    linked_data: bool,
    passport_id: str | None = None,
    gtin: str | None = None,
    serial: str | None = None,
    batch: str | None = None,
) -> Response:
    """Return a downloaded passport as JSON or JSON-LD, never cached by shared caches (it is per tier)."""
    context = jsonld.CONTEXT_URL
    body = service.document_json(
        session,
        passport_id=passport_id,
        gtin=gtin,
        serial=serial,
        batch=batch,
        tier=tier,
        context=context if linked_data else None,
    )
    headers = {
        "Vary": "Accept, Authorization, Cookie",
        "Cache-Control": "private, no-cache",
        "Link": f'<{context}>; rel="http://www.w3.org/ns/json-ld#context"',
    }
    return Response(body, media_type=JSONLD if linked_data else "application/json", headers=headers)


def aas_answer(
    request: Request, session: Session, *, record: PassportRecord, tier: str, package: bool
) -> Response:
    """Answer with the passport as an AAS, made from the download of ``tier``: JSON or an AASX package."""
    from basyx.aas.adapter import json as aas_json

    from keten.passports import aas_export

    downloaded = service.document(session, record=record, tier=tier)
    content = aas_export.content_of(downloaded["passport"], tier=tier, signed=downloaded)
    headers = {"Vary": "Accept, Authorization, Cookie", "Cache-Control": "private, no-cache"}
    if package:
        buffer = io.BytesIO()
        aas_export.write_aasx(content, buffer)
        name = quote(record.part_number, safe="") + (
            f"-{quote(record.serial, safe='')}" if record.serial else ""
        )
        headers["Content-Disposition"] = f'attachment; filename="{name}.aasx"'
        return Response(buffer.getvalue(), media_type=AASX, headers=headers)
    store, _, _ = aas_export.build_environment(content)
    return Response(aas_json.object_store_to_json(store), media_type=AAS_JSON, headers=headers)


async def _read_in_one_trip(
    request: Request, session: Session, passport_id: str, asked: str | None, *, linked_data: bool
) -> Response:
    """Answer a passport read in one trip to the thread pool (tier, passport and the end of the
    read's transaction), so the event loop never waits for the database."""

    def answer() -> Response:
        reading = reader_tier(request, session, asked)
        response = json_answer(
            session, request, passport_id=passport_id, tier=reading, linked_data=linked_data
        )
        session.commit()
        mark_public_read(request, reading)
        return response

    return await run_in_threadpool(answer)


def mark_public_read(request: Request, reading: str) -> None:
    """Let keten.replay keep an anonymous reader's passport JSON or JSON-LD: it is fixed by the
    passport's current revision, which the ``passports`` change counter follows."""
    if reading == "public" and getattr(request.state, "user", None) is None:
        replay.mark(request, replay.Mark(counter="passports"))


def _replay_key(scope: Scope) -> tuple[Hashable, Any] | None:
    """Return the replay key of an anonymous read of a passport as JSON or JSON-LD (the API's or
    the resolver's), or None: with no credentials the reader is public, so one kept answer serves
    every such reader. The resolver's answer depends on the Accept header, so it is in the key."""
    path: str = scope["path"]
    if path.startswith("/api/passports/"):
        rest = path[len("/api/passports/") :].removesuffix("/jsonld")
        if not rest or "/" in rest:
            return None
        accept = None
    elif path.startswith("/01/"):
        accept = replay.header(scope, b"accept")
    else:
        return None
    if replay.header(scope, b"authorization") is not None or replay.header(scope, b"cookie") is not None:
        return None
    return (path, scope["query_string"], accept), None


REPLAY_LANE = replay.Lane(counter="passports", key=_replay_key)
"""Anonymous passport reads replayed from memory until a passport gets a new revision."""


def qr_response(link: str, kind: Literal["png", "svg"], scale: int = 8) -> Response:
    """Return a QR code (error correction M) carrying a Digital Link URI."""
    code = segno.make(link, error="m", micro=False)
    buffer = io.BytesIO()
    if kind == "svg":
        # A standalone SVG (with its namespace), so an <img> element shows it.
        code.save(buffer, kind="svg", xmldecl=False, scale=scale, border=4, title=link)
        return Response(buffer.getvalue(), media_type="image/svg+xml")
    code.save(buffer, kind="png", scale=scale, border=4)
    return Response(buffer.getvalue(), media_type="image/png")


# --- passports --------------------------------------------------------------------------------


@router.get("/passports", response_model=Page[PassportRead], summary="List passports")
def list_passports(
    request: Request,
    response: Response,
    session: DbSession,
    level: Literal["model", "batch", "item"] | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Part number or link contains this.")] = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> Page[PassportRead]:
    rows, total = service.list_passports(session, level=level, q=q, limit=limit, offset=offset)
    resolver = _resolver(request)
    items = [passport_read(r, resolver) for r in rows]
    return page(Page[PassportRead], request, response, items, total, limit=limit, offset=offset)


@router.post(
    "/passports",
    response_model=list[PassportRead],
    status_code=status.HTTP_201_CREATED,
    summary="Issue passports",
    description="Issue the model passport of a product, a batch passport, or item passports for serials. "
    "The first revision is signed at once. At most 1,000 issued passports are listed in the answer.",
    responses=problems(404, 409, 422),
)
def issue(request: Request, session: DbSession, body: IssueIn) -> list[PassportRead]:
    resolver = _resolver(request)
    records = service.issue(
        session,
        part_number=body.part_number,
        level=body.level,
        serials=body.serials,
        batch=body.batch,
        production_date=body.production_date,
        resolver=resolver,
        username=_username(request),
    )
    return [passport_read(r, resolver) for r in records]


@router.get(
    "/passports/{passport_id}",
    summary="A passport as JSON, filtered to the caller's tier",
    description="The merged passport and, per revision, the view, its salt, the signed header and the "
    "signature: `keten passport verify` checks it offline with the key at /.well-known/jwks.json.",
    responses=problems(404),
    openapi_extra=PUBLIC,
)
async def read(request: Request, session: DbSession, passport_id: str, tier: TierQuery = None) -> Response:
    return await _read_in_one_trip(request, session, passport_id, tier, linked_data=False)


@router.get(
    "/passports/{passport_id}/jsonld",
    summary="A passport as JSON-LD, filtered to the caller's tier",
    responses=problems(404),
    openapi_extra=PUBLIC,
)
async def read_jsonld(
    request: Request, session: DbSession, passport_id: str, tier: TierQuery = None
) -> Response:
    return await _read_in_one_trip(request, session, passport_id, tier, linked_data=True)


@router.get(
    "/passports/{passport_id}/aas.{kind}",
    summary="The passport's product as an Asset Administration Shell, filtered to the caller's tier",
    description="`aas.json`: the AAS environment (shell and the IDTA submodels Digital Nameplate, Carbon "
    "Footprint, Hierarchical Structures, Handover Documentation and DPP metadata) in JSON; `aas.aasx`: "
    "the same as an AASX package. The resolver answers the same for Accept application/aas+json or "
    "application/asset-administration-shell-package+xml.",
    responses=problems(404),
    openapi_extra=PUBLIC,
)
def read_aas(
    request: Request,
    session: DbSession,
    passport_id: str,
    kind: Literal["json", "aasx"],
    tier: TierQuery = None,
) -> Response:
    record = service.get(session, passport_id=passport_id)
    return aas_answer(
        request, session, record=record, tier=reader_tier(request, session, tier), package=kind == "aasx"
    )


@router.post(
    "/passport-aasx",
    response_model=AasxImportRead,
    summary="Import a supplier's AASX: its nameplate and carbon footprint attach to the matching part",
    description="A package larger than KETEN_AASX_MAX_BYTES, or with a part unpacking to more than "
    "KETEN_AASX_MAX_MEMBER_BYTES (all parts: KETEN_AASX_MAX_UNPACKED_BYTES), is refused with a 413 problem "
    "naming the limit; a broken one with a 422 problem naming the file, part and what is wrong.",
    responses=problems(404, 413, 422),
)
def import_aasx(
    request: Request,
    session: DbSession,
    file: Annotated[UploadFile, File(description="The supplier's AASX package.")],
    part_number: Annotated[
        str | None, Form(description="The part it describes; found from the file if absent.")
    ] = None,
    organization: Annotated[str | None, Form(description="The supplier's organization code.")] = None,
) -> AasxImportRead:
    from keten.passports import aas
    from keten.passports.aasx_package import AasxLimits

    report = aas.import_aasx(
        session,
        path=file.file,
        part_number=part_number,
        organization=organization,
        file_name=file.filename or "upload.aasx",
        imported_by=_username(request),
        limits=AasxLimits.of(request.app.state.settings),
    )
    return AasxImportRead.of(report)


@router.get(
    "/parts/{part_number}/nameplates",
    response_model=list[NameplateRead],
    summary="Supplier nameplates of a part",
    description="The Digital Nameplate (IDTA 02006) each supplier's imported AASX package gave the part, one "
    "per manufacturer, as the latest package of that manufacturer said it, with the file it came from.",
    responses=problems(404),
)
def part_nameplates(session: DbSession, part_number: str) -> list[NameplateRead]:
    from keten.passports import aas

    return [
        NameplateRead.of(plate, part_number=part_number, organization=code)
        for plate, code in aas.list_nameplates(session, part_number=part_number)
    ]


@router.get(
    "/passports/{passport_id}/qr.{kind}",
    summary="QR code of the passport's GS1 Digital Link URI",
    responses=problems(404),
    openapi_extra=PUBLIC,
)
def qr(
    request: Request, session: DbSession, passport_id: str, kind: Literal["png", "svg"], scale: int = 8
) -> Response:
    record = service.get(session, passport_id=passport_id)
    return qr_response(service.link_of(session, record), kind, max(1, min(scale, 40)))


@router.get(
    "/passports/{passport_id}/revisions",
    response_model=list[RevisionRead],
    summary="Revisions of a passport, oldest first",
    responses=problems(404),
)
def list_revisions(session: DbSession, passport_id: str) -> list[RevisionRead]:
    return [_revision_read(r) for r in service.revisions(session, passport_id=passport_id)]


@router.post(
    "/passports/{passport_id}/revise",
    summary="Issue a new revision from the current data",
    description="Answers 201 with the new revision, or 200 with the current one when nothing changed.",
    responses=problems(404, 409, 422),
)
def revise(request: Request, session: DbSession, passport_id: str) -> Response:
    revision = service.revise(
        session, passport_id=passport_id, resolver=_resolver(request), username=_username(request)
    )
    if revision is None:
        current = service.revisions(session, passport_id=passport_id)[-1]
        return JSONResponse(_revision_read(current).model_dump(mode="json"), status_code=200)
    return JSONResponse(_revision_read(revision).model_dump(mode="json"), status_code=201)


@router.get("/passports-integrity", summary="Check every stored revision", openapi_extra=access("admin"))
def integrity(session: DbSession) -> dict[str, Any]:
    found = service.verify_chain(session)
    return {"ok": not found, "problems": found[:1000], "count": len(found)}


# --- hand-written input -----------------------------------------------------------------------


@router.get(
    "/passport-inputs/{part_number}",
    response_model=PassportInputData,
    summary="Hand-written passport input of a product",
    responses=problems(404),
)
def get_input(session: DbSession, part_number: str) -> PassportInputData:
    return service.get_input(session, part_number=part_number)


@router.put(
    "/passport-inputs/{part_number}",
    response_model=PassportInputData,
    summary="Replace the hand-written passport input of a product",
    description="Repair, spare parts, disassembly, end of life, substances, documents. Passports change "
    "only when revised afterwards.",
    responses=problems(404, 422),
)
def put_input(session: DbSession, part_number: str, body: PassportInputData) -> PassportInputData:
    service.set_input(session, part_number=part_number, data=body)
    return service.get_input(session, part_number=part_number)


# --- grants -----------------------------------------------------------------------------------


@router.get(
    "/passport-grants", response_model=list[GrantRead], summary="Tier grants", openapi_extra=access("admin")
)
def list_grants(session: DbSession) -> list[GrantRead]:
    return [GrantRead(**g) for g in service.list_grants(session)]


@router.put(
    "/passport-grants",
    response_model=list[GrantRead],
    summary="Grant an organization a tier",
    responses=problems(404, 422),
    openapi_extra=access("admin"),
)
def put_grant(request: Request, session: DbSession, body: GrantIn) -> list[GrantRead]:
    service.grant(
        session, organization=body.organization, tier=body.tier, note=body.note, username=_username(request)
    )
    return [GrantRead(**g) for g in service.list_grants(session)]


@router.delete(
    "/passport-grants/{organization}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Withdraw a grant",
    responses=problems(404),
    openapi_extra=access("admin"),
)
def delete_grant(session: DbSession, organization: str) -> Response:
    service.revoke_grant(session, organization=organization)
    return Response(status_code=204)


@router.put(
    "/passport-members",
    summary="Make a user read passports for a partner organization",
    responses=problems(404),
    openapi_extra=access("admin"),
)
def put_member(session: DbSession, body: MemberIn) -> dict[str, str]:
    service.add_member(session, username=body.username, organization=body.organization)
    return {"username": body.username, "organization": body.organization}


# --- public documents -------------------------------------------------------------------------


@public_router.get(
    "/.well-known/jwks.json", summary="Public keys that sign passports (JWK set)", openapi_extra=PUBLIC
)
def keys(session: DbSession) -> JSONResponse:
    return JSONResponse(service.jwks(session), headers={"Cache-Control": "public, max-age=300"})


@public_router.get(jsonld.CONTEXT_PATH, summary="JSON-LD context of passports", openapi_extra=PUBLIC)
def context() -> JSONResponse:
    return JSONResponse(
        jsonld.context(), media_type=JSONLD, headers={"Cache-Control": "public, max-age=86400"}
    )
