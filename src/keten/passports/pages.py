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

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from keten.catalog.models import Part
from keten.deps import get_session
from keten.passports import service
from keten.passports.models import PassportRecord
from keten.passports.router import TierQuery, passport_read, reader_tier
from keten.passports.schemas import IssueIn
from keten.problems import Problem
from keten.ui import Page, Templates, access, gettext, language_of
from keten.ui.format import plotly_separators

__all__ = ["render_page", "router"]

router = APIRouter(include_in_schema=False)
templates = Templates(__file__)

DbSession = Annotated[Session, Depends(get_session, scope="function")]
PUBLIC = access("public")
EDITOR = access("editor")
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
            "chart": _chart(footprint.get("byStage") or {}, language_of(request)),
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
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """Every passport, newest first; editors issue new ones here."""
    return _list_page(request, session, q=q, level=level, number=page)


def _list_page(
    request: Request,
    session: Session,
    *,
    q: str = "",
    level: str = "",
    number: int = 1,
    form: dict[str, str] | None = None,
    error: str | None = None,
    ask_gtin: bool = False,
    status_code: int = 200,
) -> Response:
    """Render the list of passports with the form to issue one (as filled in, with what went wrong)."""
    limit, offset = Page.bounds(number, 50)
    rows, total = service.list_passports(
        session, level=level or None, q=q or None, limit=limit, offset=offset
    )
    resolver = str(request.app.state.settings.resolver_url)
    items: list[Any] = [passport_read(r, resolver) for r in rows]
    return templates.render(
        request,
        "passports.html",
        {
            "page": Page(items, number, 50, total),
            "q": q,
            "level": level,
            "levels": ("model", "batch", "item"),
            "form": form
            or dict.fromkeys(("part_number", "serials", "batch", "gtin"), "") | {"level": "model"},
            "error": error,
            "ask_gtin": ask_gtin,
            "part": (form or {}).get("part_number", ""),
        },
        status_code=status_code,
    )


@router.post("/passports", openapi_extra=EDITOR)
def issue_from_page(
    request: Request,
    session: DbSession,
    part_number: Annotated[str, Form(max_length=200)],
    level: Annotated[Literal["model", "batch", "item"], Form()] = "model",
    serials: Annotated[str, Form(max_length=20_000)] = "",
    batch: Annotated[str, Form(max_length=20)] = "",
    gtin: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Issue a model, batch or item passports; a product without a GTIN is given the one typed in."""
    form = {"part_number": part_number, "level": level, "serials": serials, "batch": batch, "gtin": gtin}
    numbers = [s for s in serials.replace(",", " ").split() if s]
    try:
        if gtin.strip():
            service.give_gtin(session, part_number=part_number.strip(), gtin=gtin)
        elif service.get_input(session, part_number=part_number.strip()).gtin is None:
            session.rollback()
            return _list_page(request, session, form=form, ask_gtin=True, status_code=422)
        body = IssueIn(part_number=part_number, level=level, serials=numbers, batch=batch or None)
        records = service.issue(
            session,
            part_number=body.part_number,
            level=body.level,
            serials=body.serials,
            batch=body.batch,
            resolver=str(request.app.state.settings.resolver_url),
            username=request.state.user.username,
        )
    except ValidationError as exc:
        session.rollback()
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return _list_page(request, session, form=form, error=f"{where}: {first['msg']}", status_code=422)
    except Problem as exc:
        session.rollback()
        return _list_page(request, session, form=form, error=exc.detail or exc.title, status_code=exc.status)
    return RedirectResponse(f"/passports/{records[0].uid}?issued={len(records)}", status_code=303)


@router.post("/passports/{passport_id}/revise", openapi_extra=EDITOR)
def revise_from_page(request: Request, session: DbSession, passport_id: str) -> Response:
    """Sign a new revision from the current data, if anything changed, and show the passport again."""
    revision = service.revise(
        session,
        passport_id=passport_id,
        resolver=str(request.app.state.settings.resolver_url),
        username=request.state.user.username,
    )
    record = service.get(session, passport_id=passport_id)
    done = f"revised={revision.number}" if revision is not None else "unchanged=1"
    return RedirectResponse(f"/passports/{record.uid}?{done}", status_code=303)


@router.get("/nameplates/{part_id}")
def part_nameplates(request: Request, session: DbSession, part_id: int) -> Response:
    """The supplier nameplates of one part, as the part page loads them."""
    from keten.passports import aas

    part_number = session.scalar(select(Part.part_number).where(Part.id == part_id))
    if part_number is None:
        raise HTTPException(404, f"there is no part with id {part_id}")
    plates = aas.list_nameplates(session, part_number=part_number)
    return templates.render(request, "_nameplates.html", {"plates": plates})
