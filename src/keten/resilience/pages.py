"""Pages of supply-chain risk: a world map of exposure by country, the ranked critical nodes with
their mitigations, the scenario builder with its week-by-week chart, critical raw materials per
product, and the issued risk assessment reports.

Every figure comes from the service, which keeps the network of the stored data warm; computing a
scenario stores nothing, so the builder is a GET form that htmx swaps in place.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

import pycountry
from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from keten.deps import get_session
from keten.problems import Problem
from keten.resilience import service
from keten.ui import Page, Templates, access, gettext, language_of
from keten.ui.i18n import country_name
from keten.ui.vocabulary import material_name

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
templates = Templates(__file__)

DbSession = Annotated[Session, Depends(get_session, scope="function")]
PAGE_SIZE = 25
KINDS = ("supplier", "country", "material", "site")


def _alpha3(alpha2: str, lang: str) -> tuple[str, str] | None:
    country = pycountry.countries.get(alpha_2=alpha2.upper())
    return (country.alpha_3, country_name(alpha2, lang)) if country is not None else None


@router.get("/risk")
def overview(request: Request, session: DbSession) -> Response:
    """Exposure by country on a world map, the headline figures and the issued reports."""
    countries = service.country_exposure(session)
    lang = language_of(request)
    mapped = []
    for c in countries:
        found = _alpha3(c["country"], lang)
        if found and (c["revenue_at_risk_eur"] > 0 or c["sites"] > 0):
            mapped.append((found[0], found[1], round(c["revenue_at_risk_eur"])))
    map_data = {
        "locations": [m[0] for m in mapped],
        "names": [m[1] for m in mapped],
        "values": [m[2] for m in mapped],
        "label": gettext(lang, "€ revenue at risk"),
    }
    _, sourced = service.concentration(session, limit=1)
    _, single_source = service.concentration(session, single="source", limit=1)
    _, single_country = service.concentration(session, single="country", limit=1)
    exposed_sites, _ = service.exposure(session, kind="supplier", exposed_only=True, limit=1000)
    reports, _ = service.list_reports(session, limit=10)
    names = {c["country"]: country_name(c["country"], lang) for c in countries}
    return templates.render(
        request,
        "risk.html",
        {
            "map_json": json.dumps(map_data),
            "countries": [c for c in countries if c["revenue_at_risk_eur"] > 0 or c["sites"] > 0][:12],
            "country_names": names,
            "sourced": sourced,
            "single_source": single_source,
            "single_country": single_country,
            "exposed_suppliers": len(exposed_sites),
            "products": service.products(session),
            "reports": reports,
        },
    )


@router.get("/risk/critical")
def critical(
    request: Request,
    session: DbSession,
    kind: Annotated[str | None, Query(pattern="^(site|supplier|country|material)$")] = None,
    weeks: Annotated[float | None, Query(gt=0, le=260)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """Single-node failures ranked by revenue at risk, one page at a time."""
    limit, offset = Page.bounds(page, PAGE_SIZE)
    kinds = (kind,) if kind else ("supplier", "country", "material")
    items, total = service.critical_nodes(session, kinds=kinds, weeks=weeks, limit=limit, offset=offset)
    return templates.render(
        request,
        "critical.html",
        {
            "page": Page(items=items, number=page, size=PAGE_SIZE, total=total),
            "kind": kind or "",
            "kinds": KINDS,
            "weeks": weeks,
        },
    )


@router.get("/risk/mitigations")
def mitigations_fragment(
    request: Request,
    session: DbSession,
    node: Annotated[str, Query(max_length=200)],
    weeks: Annotated[float | None, Query(gt=0, le=260)] = None,
) -> Response:
    """What closes the gap of one node, recomputed (a fragment the critical-node table loads)."""
    try:
        answer: dict[str, Any] | None = service.mitigations(session, node=node, weeks=weeks)
        error = None
    except Problem as problem:
        answer, error = None, problem
    return templates.render(request, "_mitigations.html", {"answer": answer, "error": error})


def _node_choices(session: Session, lang: str) -> list[tuple[str, str]]:
    network = service.load(session)
    choices = [(f"country:{c}", f"{c} · {country_name(c, lang)}") for c in network.countries]
    choices += [
        (f"supplier:{code}", f"{code} · {name}")
        for code, name in zip(network.org_codes, network.org_names, strict=True)
        if code != network.own_org
    ]
    choices += [
        (f"material:{code}", f"{code} · {material_name(name, lang)}")
        for code, name, crm in zip(
            network.material_codes, network.material_names, network.material_crm, strict=True
        )
        if crm is not None
    ]
    choices += [
        (f"site:{code}", f"{code} · {name}")
        for code, name in zip(network.site_codes, network.site_names, strict=True)
    ]
    return choices


def _scenario_result(
    session: Session, nodes: list[str], start: date | None, weeks: float, horizon: int
) -> tuple[dict[str, Any] | None, Problem | None]:
    if not nodes:
        return None, None
    today = datetime.now(UTC).date()
    try:
        result = service.scenario(
            session, nodes=nodes, start=start or today, weeks=weeks, horizon=horizon, as_of=today
        )
    except Problem as problem:
        return None, problem
    chart = {
        "x": [w["week_start"] for w in result["weekly"]],
        "revenue": [round(w["revenue_lost_eur"]) for w in result["weekly"]],
        "parts": [w["parts_short"] for w in result["weekly"]],
    }
    result["chart_json"] = json.dumps(chart)
    return result, None


@router.get("/risk/scenario")
def scenario_page(
    request: Request,
    session: DbSession,
    node: Annotated[list[str] | None, Query(max_length=200)] = None,
    start: date | None = None,
    weeks: Annotated[float, Query(gt=0, le=260)] = 8.0,
    horizon: Annotated[int, Query(ge=1, le=260)] = 26,
) -> Response:
    """The scenario builder; with nodes chosen, their week-by-week impact below it."""
    nodes = [n for n in (node or []) if n]
    result, error = _scenario_result(session, nodes, start, weeks, horizon)
    saved, _ = service.list_scenarios(session, limit=50)
    return templates.render(
        request,
        "scenario.html",
        {
            "choices": _node_choices(session, language_of(request)),
            "chosen": nodes,
            "start": (start or datetime.now(UTC).date() + timedelta(days=7)).isoformat(),
            "weeks": weeks,
            "horizon": horizon,
            "result": result,
            "error": error,
            "saved": saved,
        },
    )


@router.get("/risk/scenario/result")
def scenario_result(
    request: Request,
    session: DbSession,
    node: Annotated[list[str] | None, Query(max_length=200)] = None,
    start: date | None = None,
    weeks: Annotated[float, Query(gt=0, le=260)] = 8.0,
    horizon: Annotated[int, Query(ge=1, le=260)] = 26,
) -> Response:
    """The week-by-week impact of the chosen nodes (the fragment the builder swaps in)."""
    nodes = [n for n in (node or []) if n]
    result, error = _scenario_result(session, nodes, start, weeks, horizon)
    return templates.render(
        request,
        "_scenario_result.html",
        {
            "result": result,
            "error": error,
            "chosen": nodes,
            "start": (start or datetime.now(UTC).date()).isoformat(),
            "weeks": weeks,
            "horizon": horizon,
        },
    )


@router.post("/risk/scenarios")
def save_scenario(
    request: Request,
    session: DbSession,
    name: Annotated[str, Form(min_length=1, max_length=200)],
    node: Annotated[list[str], Form()],
    start: Annotated[date, Form()],
    weeks: Annotated[float, Form(gt=0, le=260)],
    horizon: Annotated[int, Form(ge=1, le=260)] = 26,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Keep the builder's scenario under a name; the report runs every saved scenario."""
    user = getattr(request.state, "user", None)
    service.save_scenario(
        session,
        name=name,
        nodes=[n for n in node if n],
        start=start,
        weeks=weeks,
        horizon=horizon,
        username=getattr(user, "username", None),
    )
    return RedirectResponse("/risk/scenario", status_code=303)


VIA_SHOWN = 5
"""Parts shown per critical raw material on the page, heaviest first."""


@router.get("/risk/crm")
def crm_page(
    request: Request, session: DbSession, product: Annotated[str | None, Query(max_length=64)] = None
) -> Response:
    """Critical raw materials in a product: kg per unit, parts, suppliers and where the world mines them."""
    products = service.products(session)
    chosen = product or (products[0]["part_number"] if products else None)
    answer = service.crm_of_product(session, part_number=chosen, via_limit=VIA_SHOWN) if chosen else None
    return templates.render(request, "crm.html", {"products": products, "chosen": chosen, "answer": answer})


@router.post("/risk/reports", openapi_extra=access("editor"))
def issue_report(request: Request, session: DbSession, csrf_token: Annotated[str, Form()] = "") -> Response:
    """Issue the risk assessment report on today's data and open it."""
    user = getattr(request.state, "user", None)
    context = service.report_context(session)
    row = service.save_report(
        session,
        html=service.render_report(context, language_of(request)),
        context=context,
        username=getattr(user, "username", None),
    )
    return RedirectResponse(f"/risk/reports/{row.id}", status_code=303)


_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.S)


@router.get("/risk/reports/{report_id}")
def report_page(request: Request, session: DbSession, report_id: int) -> Response:
    """An issued report inside the app, under its header, with links to its HTML and PDF.

    The report is kept as issued (in the language it was issued in); the page shows its body with
    the app's styles, so it reads like any other page.
    """
    row = service.get_report(session, report_id=report_id)
    found = _BODY.search(row.html)
    return templates.render(
        request, "report_page.html", {"report": row, "body": Markup(found.group(1) if found else "")}
    )
