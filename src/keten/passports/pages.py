"""Pages of passports and the GS1 Digital Link resolver.

The passport page is public: what a repairer sees after scanning the QR code on a machine. It shows
the passport filtered to the reader's tier, exactly as the JSON does, so a section appears only
after sign-in by someone whose tier reaches it. The resolver answers a browser with that page and a
machine with JSON-LD, JSON, AAS JSON or an AASX package, by content negotiation (RFC 9110,
section 12.5.1). A part's page loads the nameplates its suppliers' AASX packages gave it from here.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from keten.catalog.models import Part
from keten.deps import get_session
from keten.passports import service
from keten.passports.models import PassportRecord
from keten.passports.router import (
    AAS_JSON,
    AASX,
    JSONLD,
    TierQuery,
    aas_answer,
    json_answer,
    mark_public_read,
    passport_read,
    reader_tier,
)
from keten.ui import Page, Templates, access, gettext, language_of
from keten.ui.format import plotly_separators

__all__ = ["best_format", "router"]

router = APIRouter(include_in_schema=False)
templates = Templates(__file__)

DbSession = Annotated[Session, Depends(get_session, scope="function")]
PUBLIC = access("public")
Format = Literal["html", "jsonld", "json", "aas", "aasx"]
_OFFERED: dict[str, Format] = {
    "text/html": "html",
    JSONLD: "jsonld",
    "application/json": "json",
    AAS_JSON: "aas",
    AASX: "aasx",
}
STAGE_LABELS = {
    "materials": "Materials",
    "purchased_parts": "Purchased parts",
    "manufacturing_energy": "Manufacturing energy",
    "process_emissions": "Process emissions",
    "transport": "Transport",
    "use": "Use",
    "end_of_life": "End of life",
}


def best_format(accept: str | None) -> Format:
    """Return what to answer an Accept header with: the offered type of highest quality.

    Ties go to the order html, JSON-LD, JSON; no Accept header or ``*/*`` alone gets JSON-LD, the
    linked-data form a machine that did not ask for anything in particular can still use.
    """
    best: tuple[float, int] | None = None
    chosen: Format = "jsonld"
    order = list(_OFFERED)
    for part in (accept or "").split(","):
        media, *params = [p.strip() for p in part.split(";")]
        media = media.lower()
        if media not in _OFFERED:
            continue
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        candidate = (quality, -order.index(media))
        if quality > 0 and (best is None or candidate > best):
            best, chosen = candidate, _OFFERED[media]
    return chosen


class _Shown(dict[str, Any]):
    """A section of the passport for a template: a field the reader's tier does not see reads as None."""

    def __missing__(self, key: str) -> None:
        return None


def _shown(value: Any) -> Any:
    if isinstance(value, dict):
        return _Shown({k: _shown(v) for k, v in value.items()})
    if isinstance(value, list):
        return [_shown(v) for v in value]
    return value


def _chart(by_stage: dict[str, float], lang: str) -> str:
    """Return the chart's data: stage labels in ``lang``, values, the axis title and the
    separators of the reader's numbers (a linear scale: 1.7 million must look 85 times 20 000)."""
    stages = [(k, v) for k, v in by_stage.items() if v]
    return json.dumps(
        {
            "labels": [gettext(lang, STAGE_LABELS.get(k, k)) for k, _ in stages],
            "values": [round(v, 1) for _, v in stages],
            "axis": gettext(lang, "kg CO2e per unit"),
            "separators": plotly_separators(lang),
        }
    )


def _page(request: Request, session: Session, record: PassportRecord, tier: str) -> Response:
    document = service.document(session, record=record, tier=tier)
    passport = _shown(document["passport"])
    footprint = passport.get("carbonFootprint") or {}
    return templates.render(
        request,
        "passport.html",
        {
            "record": record,
            "passport": passport,
            "tier": tier,
            "document": document,
            "chart": _chart(footprint.get("byStage") or {}, language_of(request)),
            "stage_labels": STAGE_LABELS,
            "link": passport["identification"]["digitalLink"],
        },
        headers={"Vary": "Accept, Cookie", "Cache-Control": "private, no-cache"},
    )


def _answer(
    request: Request,
    session: Session,
    tier: str | None,
    *,
    gtin: str,
    serial: str | None = None,
    batch: str | None = None,
) -> Response:
    fmt = best_format(request.headers.get("accept"))
    reading = reader_tier(request, session, tier)
    if fmt == "html":
        record = service.find(session, gtin=gtin, serial=serial, batch=batch)
        return _page(request, session, record, reading)
    if fmt in ("aas", "aasx"):
        record = service.find(session, gtin=gtin, serial=serial, batch=batch)
        return aas_answer(request, session, record=record, tier=reading, package=fmt == "aasx")
    response = json_answer(
        session, request, gtin=gtin, serial=serial, batch=batch, tier=reading, linked_data=fmt == "jsonld"
    )
    mark_public_read(request, reading)
    return response


@router.get("/01/{gtin}", openapi_extra=PUBLIC)
def resolve_model(request: Request, session: DbSession, gtin: str, tier: TierQuery = None) -> Response:
    """The passport of a product model (GS1 Digital Link with AI 01)."""
    return _answer(request, session, tier, gtin=_gtin(gtin))


@router.get("/01/{gtin}/10/{batch}", openapi_extra=PUBLIC)
def resolve_batch(
    request: Request, session: DbSession, gtin: str, batch: str, tier: TierQuery = None
) -> Response:
    """The passport of a batch (AI 01 with AI 10)."""
    return _answer(request, session, tier, gtin=_gtin(gtin), batch=batch)


@router.get("/01/{gtin}/21/{serial}", openapi_extra=PUBLIC)
def resolve_item(
    request: Request, session: DbSession, gtin: str, serial: str, tier: TierQuery = None
) -> Response:
    """The passport of one serialized item (AI 01 with AI 21)."""
    return _answer(request, session, tier, gtin=_gtin(gtin), serial=serial)


def _gtin(text: str) -> str:
    # A Digital Link may carry a GTIN-8, -12 or -13; passports are stored under the 14-digit form.
    return text.zfill(14) if text.isdigit() and len(text) in (8, 12, 13) else text


@router.get("/passports/{passport_id}", openapi_extra=PUBLIC)
def passport_page(request: Request, session: DbSession, passport_id: str, tier: TierQuery = None) -> Response:
    """A passport's page, filtered to the reader's tier."""
    record = service.get(session, passport_id=passport_id)
    return _page(request, session, record, reader_tier(request, session, tier))


@router.get("/passports")
def passports_page(
    request: Request,
    session: DbSession,
    q: str = "",
    level: Literal["", "model", "batch", "item"] = "",
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    """Every passport, newest first."""
    limit, offset = Page.bounds(page, 50)
    rows, total = service.list_passports(
        session, level=level or None, q=q or None, limit=limit, offset=offset
    )
    resolver = str(request.app.state.settings.resolver_url)
    items: list[Any] = [passport_read(r, resolver) for r in rows]
    return templates.render(
        request,
        "passports.html",
        {"page": Page(items, page, 50, total), "q": q, "level": level, "levels": ("model", "batch", "item")},
    )


@router.get("/nameplates/{part_id}")
def part_nameplates(request: Request, session: DbSession, part_id: int) -> Response:
    """The supplier nameplates of one part, as the part page loads them."""
    from keten.passports import aas

    part_number = session.scalar(select(Part.part_number).where(Part.id == part_id))
    if part_number is None:
        raise HTTPException(404, f"there is no part with id {part_id}")
    plates = aas.list_nameplates(session, part_number=part_number)
    return templates.render(request, "_nameplates.html", {"plates": plates})
