"""Pages of footprints: a part's footprint with its stage waterfall, contribution treemap, hotspots,
breakdowns, uncertainty range and a what-if panel.

The page computes on the arrays the service keeps warm, so it shows the current data; the stored
result (what was reported and exported) is shown beside it with its factor set and input hash.
"""

from __future__ import annotations

import math
from contextlib import suppress
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from keten.catalog import service as catalog
from keten.catalog.models import Part
from keten.core.footprint import GATE_STAGES, STAGE_NAMES
from keten.deps import get_session
from keten.footprints import service
from keten.footprints.models import FootprintRun
from keten.problems import Problem
from keten.ui import Page, Templates, gettext, language_of

__all__ = ["PAGE_SIZE", "axis_ticks", "products", "router", "treemap", "waterfall"]

router = APIRouter(include_in_schema=False)
templates = Templates(__file__)

DbSession = Annotated[Session, Depends(get_session, scope="function")]
WIDTH = 640
HEIGHT = 240
AXIS = 64
"""Width (px) left of a waterfall for its axis of kg CO2e."""
MC_ITERATIONS = 500
PAGE_SIZE = 50


def products(session: Session, *, page: int) -> Page:
    """Return one page of (product, its latest stored footprint or None, its cradle-to-gate part)."""
    latest = (
        select(FootprintRun.part_id, func.max(FootprintRun.id).label("run_id"))
        .group_by(FootprintRun.part_id)
        .subquery()
    )
    statement = (
        select(Part, FootprintRun)
        .where(Part.kind == "product")
        .outerjoin(latest, latest.c.part_id == Part.id)
        .outerjoin(FootprintRun, FootprintRun.id == latest.c.run_id)
    )
    total = session.scalar(select(func.count()).where(Part.kind == "product")) or 0
    limit, offset = Page.bounds(page, PAGE_SIZE)
    rows = session.execute(statement.order_by(Part.part_number).limit(limit).offset(offset)).all()
    items = [
        (part, run, None if run is None else service.run_summary(session, run)["cradle_to_gate_kg_co2e"])
        for part, run in rows
    ]
    return Page(items=items, number=max(page, 1), size=PAGE_SIZE, total=int(total))


GATE_NAMES = tuple(stage.name.lower() for stage in GATE_STAGES)
LIFE_NAMES = ("cradle_to_gate", "use", "end_of_life")
STAGE_LABELS = {
    "materials": "Materials",
    "purchased_parts": "Purchased",
    "manufacturing_energy": "Energy",
    "process_emissions": "Process",
    "transport": "Transport",
    "use": "Use",
    "end_of_life": "End of life",
    "cradle_to_gate": "Cradle to gate",
    "total": "Total",
}
"""Short labels of the stages, to be translated, for charts and tables."""


def axis_ticks(top: float, count: int = 4) -> list[float]:
    """Return round values from 0 up to at least ``top`` for an axis: 0, 5 000, 10 000, 15 000."""
    if top <= 0:
        return [0.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return [i * step for i in range(math.ceil(top / step - 1e-9) + 1)]


def waterfall(
    stages: dict[str, float],
    names: tuple[str, ...] = STAGE_NAMES,
    total_name: str = "total",
    width: int = WIDTH,
    height: int = HEIGHT,
) -> dict[str, Any]:
    """Return the bars of a waterfall over ``names`` of ``stages`` and the ticks of its axis: each
    bar starts where the previous one ended, and a last bar named ``total_name`` shows their sum."""
    values = [stages.get(name, 0.0) for name in names]
    total = sum(values)
    running, highest = 0.0, 0.0
    for value in values:
        running += value
        highest = max(highest, running)
    ticks = axis_ticks(max(total, highest))
    top = max(ticks[-1], 1e-12)
    plot = height - 50
    bars = []
    step = (width - AXIS) / (len(names) + 1)
    running = 0.0
    for i, (name, value) in enumerate([*zip(names, values, strict=True), (total_name, total)]):
        is_total = i == len(names)
        start = 0.0 if is_total else running
        low, high = sorted((start, start + value))
        bars.append(
            {
                "name": name,
                "value": value,
                "x": AXIS + i * step + step * 0.1,
                "w": step * 0.8,
                "y": height - 30 - high / top * plot,
                "h": max((high - low) / top * plot, 0.5),
                "total": is_total,
            }
        )
        running += 0.0 if is_total else value
    axis = [{"value": t, "y": height - 30 - t / top * plot} for t in ticks]
    return {"bars": bars, "ticks": axis, "left": AXIS, "bottom": height - 30, "top": height - 30 - plot}


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


def _page_data(session: Session, part_number: str, own_label: str) -> dict[str, Any]:
    stages = service.breakdown(session, part_number=part_number, by="stage")
    tree = service.breakdown(session, part_number=part_number, by="part", depth=1)["tree"]
    children = [(c["part_number"], c["kg_co2e"]) for c in tree.get("children", [])]
    by_stage = {i["key"]: i["kg_co2e"] for i in stages["items"]}
    # Use and end of life sit on the part itself; the treemap shows what its BOM brings to the gate.
    beyond_gate = by_stage.get("use", 0.0) + by_stage.get("end_of_life", 0.0)
    own = tree["kg_co2e"] - sum(v for _, v in children) - beyond_gate
    if own > 0:
        children.append((own_label, own))
    gate = sum(by_stage.get(name, 0.0) for name in GATE_NAMES)
    by = {
        key: service.breakdown(session, part_number=part_number, by=by, gate=True)["items"][:10]
        for key, by in (("suppliers", "supplier"), ("countries", "country"), ("materials", "material"))
    }
    names = catalog.material_names(session, codes=[i["key"] for i in by["materials"]])
    return {
        "total": stages["total_kg_co2e"],
        "gate": gate,
        "by_stage": by_stage,
        "waterfall": waterfall(by_stage, GATE_NAMES, "cradle_to_gate"),
        "life": waterfall({**by_stage, "cradle_to_gate": gate}, LIFE_NAMES, "total"),
        "treemap": treemap(children),
        "beyond_gate": beyond_gate,
        "hotspots": service.hotspots(session, part_number=part_number, top=15, gate=True),
        **by,
        "material_names": names,
    }


@router.get("/footprints")
def footprints_page(
    request: Request, session: DbSession, page: Annotated[int, Query(ge=1, le=100_000)] = 1
) -> Response:
    """The products with their latest stored footprint, and the factor sets a calculation can use."""
    return templates.render(
        request,
        "footprints.html",
        {"page": products(session, page=page), "factor_sets": service.factor_sets(session)},
    )


@router.get("/footprints/{part_number:path}/uncertainty")
def uncertainty_fragment(
    request: Request, session: DbSession, part_number: str, short: bool = False
) -> Response:
    """The Monte Carlo range, loaded after the page so the page itself answers at once."""
    answer = service.monte_carlo(session, part_number=part_number, iterations=MC_ITERATIONS, seed=1)
    return templates.render(request, "_uncertainty.html", {"u": answer, "short": short})


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
        data = _page_data(
            session, part_number, gettext(language_of(request), "{part} (own)", part=part_number)
        )
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
            "STAGE_LABELS": STAGE_LABELS,
            "IN_HOUSE": service.IN_HOUSE,
        },
    )
