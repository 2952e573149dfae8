"""Pages of passports.

The passport page is public: what a repairer sees after scanning the QR code on a machine. It shows
the passport filtered to the reader's tier, exactly as the JSON does, so a section appears only
after sign-in by someone whose tier reaches it. The resolver (keten.passports.resolver) answers a
browser with this page. A part's page loads the nameplates its suppliers' AASX packages gave it
from here.
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
from keten.passports.router import TierQuery, passport_read, reader_tier
from keten.ui import Page, Templates, access

__all__ = ["render_page", "router"]

router = APIRouter(include_in_schema=False)
templates = Templates(__file__)

DbSession = Annotated[Session, Depends(get_session, scope="function")]
PUBLIC = access("public")
STAGE_LABELS = {
    "materials": "Materials",
    "purchased_parts": "Purchased parts",
    "manufacturing_energy": "Manufacturing energy",
    "process_emissions": "Process emissions",
    "transport": "Transport",
    "use": "Use",
    "end_of_life": "End of life",
}


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


def _chart(by_stage: dict[str, float]) -> str:
    stages = [(k, v) for k, v in by_stage.items() if v]
    return json.dumps(
        {"labels": [STAGE_LABELS.get(k, k) for k, _ in stages], "values": [round(v, 1) for _, v in stages]}
    )


def render_page(request: Request, session: Session, record: PassportRecord, tier: str) -> Response:
    """Return the passport page of ``record`` as a reader of ``tier`` sees it."""
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
            "chart": _chart(footprint.get("byStage") or {}),
            "stage_labels": STAGE_LABELS,
            "link": passport["identification"]["digitalLink"],
        },
        headers={"Vary": "Accept, Cookie", "Cache-Control": "private, no-cache"},
    )


@router.get("/passports/{passport_id}", openapi_extra=PUBLIC)
def passport_page(request: Request, session: DbSession, passport_id: str, tier: TierQuery = None) -> Response:
    """A passport's page, filtered to the reader's tier."""
    record = service.get(session, passport_id=passport_id)
    return render_page(request, session, record, reader_tier(request, session, tier))


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
