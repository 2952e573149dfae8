"""Pages of footprints: a part's footprint with its stage waterfall, contribution treemap, hotspots,
breakdowns, uncertainty range and a what-if panel.

The page computes on the arrays the service keeps warm, so it shows the current data; the stored
result (what was reported and exported) is shown beside it with its factor set and input hash.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from keten.core.footprint import STAGE_NAMES
from keten.deps import get_session
from keten.footprints import service
from keten.problems import Problem
from keten.ui import Templates

__all__ = ["router", "treemap", "waterfall"]

router = APIRouter(include_in_schema=False)
templates = Templates(__file__)

DbSession = Annotated[Session, Depends(get_session, scope="function")]
WIDTH = 640
HEIGHT = 240
MC_ITERATIONS = 500


def waterfall(stages: dict[str, float], width: int = WIDTH, height: int = HEIGHT) -> list[dict[str, Any]]:
    """Return the bars of a stage waterfall: each stage starts where the previous one ended."""
    total = sum(stages.values())
    top = max(total, max((abs(v) for v in stages.values()), default=0.0), 1e-12)
    bars = []
    step = width / (len(stages) + 1)
    running = 0.0
    for i, name in enumerate([*STAGE_NAMES, "total"]):
        value = total if name == "total" else stages.get(name, 0.0)
        start = 0.0 if name == "total" else running
        low, high = sorted((start, start + value))
        bars.append(
            {
                "name": name.replace("_", " "),
                "value": value,
                "x": i * step + step * 0.1,
                "w": step * 0.8,
                "y": height - 20 - high / top * (height - 40),
                "h": max((high - low) / top * (height - 40), 0.5),
                "total": name == "total",
            }
        )
        if name != "total":
            running += value
    return bars


def treemap(items: list[tuple[str, float]], width: int = WIDTH, height: int = HEIGHT) -> list[dict[str, Any]]:
    """Return rectangles of a slice-and-dice treemap of positive contributions, largest first."""
    positive = sorted(((k, v) for k, v in items if v > 0), key=lambda kv: -kv[1])
    total = sum(v for _, v in positive)
    rects: list[dict[str, Any]] = []
    x, y, w, h = 0.0, 0.0, float(width), float(height)
    remaining = total
    for i, (key, value) in enumerate(positive):
        share = value / remaining if remaining else 0.0
        horizontal = w >= h
        if horizontal:
            rw = w * share if i < len(positive) - 1 else w
            rects.append(
                {"key": key, "value": value, "share": value / total, "x": x, "y": y, "w": rw, "h": h}
            )
            x, w = x + rw, w - rw
        else:
            rh = h * share if i < len(positive) - 1 else h
            rects.append(
                {"key": key, "value": value, "share": value / total, "x": x, "y": y, "w": w, "h": rh}
            )
            y, h = y + rh, h - rh
        remaining -= value
    return rects


def _page_data(session: Session, part_number: str) -> dict[str, Any]:
    stages = service.breakdown(session, part_number=part_number, by="stage")
    tree = service.breakdown(session, part_number=part_number, by="part", depth=1)["tree"]
    children = [(c["part_number"], c["kg_co2e"]) for c in tree.get("children", [])]
    own = tree["kg_co2e"] - sum(v for _, v in children)
    if own > 0:
        children.append((f"{part_number} (own, use, end of life)", own))
    by_stage = {i["key"]: i["kg_co2e"] for i in stages["items"]}
    return {
        "total": stages["total_kg_co2e"],
        "by_stage": by_stage,
        "waterfall": waterfall(by_stage),
        "treemap": treemap(children),
        "hotspots": service.hotspots(session, part_number=part_number, top=15),
        "suppliers": service.breakdown(session, part_number=part_number, by="supplier")["items"][:10],
        "countries": service.breakdown(session, part_number=part_number, by="country")["items"][:10],
        "materials": service.breakdown(session, part_number=part_number, by="material")["items"][:10],
        "uncertainty": service.monte_carlo(
            session, part_number=part_number, iterations=MC_ITERATIONS, seed=1
        ),
    }


@router.get("/footprints/{part_number:path}/what-if")
def what_if_fragment(
    request: Request,
    session: DbSession,
    part_number: str,
    change: Annotated[str, Query(pattern="^(site|material|recycled|pcf)$")],
    site: str = "",
    value: Annotated[float | None, Query(ge=0)] = None,
    old: str = "",
    new: str = "",
    part: str = "",
    material: str = "",
) -> Response:
    """The difference one change makes, computed and shown, never stored."""
    try:
        if change == "site":
            changes = service.Changes(site_electricity=(site, value or 0.0))
        elif change == "material":
            changes = service.Changes(material=(old, new, None))
        elif change == "recycled":
            changes = service.Changes(recycled_share=(part, material, min(value or 0.0, 1.0)))
        else:
            changes = service.Changes(supplier_pcf=(part, value))
        answer: dict[str, Any] = service.what_if(session, part_number=part_number, changes=changes)
        error = None
    except Problem as problem:
        answer, error = {}, problem
    return templates.render(request, "_what_if.html", {"answer": answer, "error": error})


@router.post("/footprints/{part_number:path}/calculate")
def calculate(session: DbSession, part_number: str, csrf_token: Annotated[str, Form()] = "") -> Response:
    """Calculate and store the footprint, then show the page again."""
    with suppress(Problem):  # the page shows the missing factors
        service.calculate(session, part_number=part_number)
    return RedirectResponse(f"/footprints/{part_number}", status_code=303)


@router.get("/footprints/{part_number:path}")
def footprint_page(request: Request, session: DbSession, part_number: str) -> Response:
    """A part's footprint: stored result, live breakdowns, uncertainty and the what-if panel."""
    try:
        stored = service.run_summary(session, service.latest(session, part_number=part_number))
    except Problem as problem:
        if "no part" in (problem.detail or ""):
            raise HTTPException(404, f"there is no part {part_number!r}") from None
        stored = None
    try:
        data = _page_data(session, part_number)
        error = None
    except Problem as problem:
        data, error = {}, problem
    sites = sorted({s for s in service.load(session).act_site if s})
    return templates.render(
        request,
        "footprint.html",
        {
            "part_number": part_number,
            "stored": stored,
            "data": data,
            "error": error,
            "sites": sites,
            "width": WIDTH,
            "height": HEIGHT,
        },
    )
