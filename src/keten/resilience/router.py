"""JSON API of supply-chain risk under /api/risk: concentration, critical raw materials, time to survive
and recover, scenarios, critical nodes, mitigations and the risk assessment report.

Nodes are named ``site:CODE``, ``supplier:CODE``, ``country:CC`` or ``material:CODE``. Lists are
pages (``limit``, ``offset``) with an RFC 8288 Link header; errors are RFC 9457 problems. Computing
a scenario stores nothing, so a viewer may; saving or running a stored scenario and issuing a
report write, and need an editor.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from sqlalchemy.orm import Session

from keten.apidoc import problems
from keten.deps import get_session
from keten.pagination import DEFAULT_LIMIT, MAX_LIMIT, Offset, Page, RowId, page
from keten.resilience import service
from keten.resilience.schemas import (
    NodeKind,
    NodeRisk,
    PartConcentration,
    ReportCreate,
    ReportRead,
    ScenarioCreate,
    ScenarioRead,
    ScenarioRun,
)
from keten.ui import access

__all__ = ["router"]

router = APIRouter(prefix="/risk", tags=["risk"])

DbSession = Annotated[Session, Depends(get_session, scope="function")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Items per page, at most {MAX_LIMIT}.")]
MaterialTtr = Annotated[
    float,
    Query(gt=0, le=260, description="Time to recover of a material in weeks (not in the data)."),
]
PAGED = "The Link header (RFC 8288) holds the URLs of the next and previous pages where they exist."


def _username(request: Request) -> str | None:
    user = getattr(request.state, "user", None)
    return getattr(user, "username", None)


@router.get(
    "/concentration",
    response_model=Page[PartConcentration],
    summary="Sourcing concentration of bought parts",
    description="Bought parts by the weekly revenue of the products that hold them, with supplier and "
    f"country HHI (0..1), spend and stock cover. {PAGED}",
    responses=problems(422),
)
def concentration(
    request: Request,
    response: Response,
    session: DbSession,
    single: Annotated[
        str | None,
        Query(pattern="^(source|country)$", description="Only single-source or single-country parts."),
    ] = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> Page[PartConcentration]:
    items, total = service.concentration(session, single=single, limit=limit, offset=offset)
    return page(Page[PartConcentration], request, response, items, total, limit=limit, offset=offset)


@router.get(
    "/materials",
    summary="Materials in the products: world supply concentration and own sourcing",
    description="Every material the parts contain, critical raw materials first, with the HHI of world "
    "supply by country (extraction, processing; a lower bound, see data/crm), the HHI of own sourcing "
    "by supplier, kg used per week and the weekly revenue of the products that contain it.",
)
def materials(session: DbSession) -> list[dict[str, Any]]:
    return service.material_concentration(session)


@router.get("/crm", summary="The EU 2023 critical raw materials list")
def crm() -> list[dict[str, Any]]:
    return service.crm_list()


@router.get("/products", summary="Products with weekly demand and revenue per unit")
def products(session: DbSession) -> list[dict[str, Any]]:
    return service.products(session)


@router.get(
    "/products/{part_number}/crm",
    summary="Critical raw materials in one unit of a product",
    description="kg per unit of each critical raw material, through which parts and their suppliers, "
    "with the material's main supplying countries.",
    responses=problems(404),
)
def product_crm(
    part_number: str,
    session: DbSession,
    all_materials: Annotated[bool, Query(description="Also materials not on the list.")] = False,
) -> dict[str, Any]:
    return service.crm_of_product(session, part_number=part_number, all_materials=all_materials)


@router.get(
    "/exposure",
    response_model=Page[NodeRisk],
    summary="Time to survive against time to recover",
    description="Every node of a kind failing for its own time to recover; exposed where the first "
    f"product stops before it recovers. Largest gap first. {PAGED}",
    responses=problems(422),
)
def exposure(
    request: Request,
    response: Response,
    session: DbSession,
    kind: NodeKind = "site",
    exposed_only: bool = False,
    material_ttr_weeks: MaterialTtr = service.MATERIAL_TTR_WEEKS,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> Page[NodeRisk]:
    items, total = service.exposure(
        session,
        kind=kind,
        exposed_only=exposed_only,
        material_ttr_weeks=material_ttr_weeks,
        limit=limit,
        offset=offset,
    )
    return page(Page[NodeRisk], request, response, items, total, limit=limit, offset=offset)


@router.get(
    "/critical",
    response_model=Page[NodeRisk],
    summary="Single-node failures ranked by revenue at risk",
    description=f"Each node fails alone, for `weeks` or its own time to recover. {PAGED}",
    responses=problems(422),
)
def critical(
    request: Request,
    response: Response,
    session: DbSession,
    kind: Annotated[
        list[NodeKind] | None, Query(description="Kinds to rank; supplier, country, material.")
    ] = None,
    weeks: Annotated[float | None, Query(gt=0, le=260, description="Outage of every node.")] = None,
    horizon_weeks: Annotated[int, Query(ge=1, le=260)] = service.HORIZON_WEEKS,
    material_ttr_weeks: MaterialTtr = service.MATERIAL_TTR_WEEKS,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> Page[NodeRisk]:
    items, total = service.critical_nodes(
        session,
        kinds=kind or ("supplier", "country", "material"),
        weeks=weeks,
        horizon=horizon_weeks,
        material_ttr_weeks=material_ttr_weeks,
        limit=limit,
        offset=offset,
    )
    return page(Page[NodeRisk], request, response, items, total, limit=limit, offset=offset)


@router.get(
    "/countries",
    summary="Exposure by country",
    description="Supplier sites, spend and revenue at "
    "risk if the country fails for its time to recover, per country.",
)
def countries(
    session: DbSession,
    weeks: Annotated[float | None, Query(gt=0, le=260, description="Outage of every country.")] = None,
) -> list[dict[str, Any]]:
    return service.country_exposure(session, weeks=weeks)


@router.get(
    "/mitigations",
    summary="What closes the gap of a critical node",
    description="Extra safety stock (units and cost per part), an alternate source or a second country, "
    "each with the revenue at risk recomputed.",
    responses=problems(422),
)
def mitigations(
    session: DbSession,
    node: Annotated[str, Query(description="site:CODE, supplier:CODE, country:CC or material:CODE.")],
    weeks: Annotated[float | None, Query(gt=0, le=260)] = None,
    qualification_weeks: Annotated[int, Query(ge=0, le=104)] = 8,
) -> dict[str, Any]:
    return service.mitigations(session, node=node, weeks=weeks, qualification_weeks=qualification_weeks)


@router.post(
    "/scenario",
    summary="Compute a scenario, nothing stored",
    description="Week by week: parts short, products stopped, units and revenue lost.",
    responses=problems(422),
    openapi_extra=access("viewer"),
)
def run_scenario(body: ScenarioRun, session: DbSession) -> dict[str, Any]:
    return service.scenario(
        session,
        nodes=body.nodes,
        start=body.start,
        weeks=body.weeks,
        horizon=body.horizon_weeks,
        as_of=body.as_of,
    )


@router.get("/scenarios", response_model=Page[ScenarioRead], summary="Saved scenarios", description=PAGED)
def list_scenarios(
    request: Request, response: Response, session: DbSession, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0
) -> Page[ScenarioRead]:
    items, total = service.list_scenarios(session, limit=limit, offset=offset)
    return page(Page[ScenarioRead], request, response, items, total, limit=limit, offset=offset)


@router.post(
    "/scenarios",
    response_model=ScenarioRead,
    status_code=status.HTTP_201_CREATED,
    summary="Save a scenario",
    responses=problems(409, 422),
)
def create_scenario(body: ScenarioCreate, request: Request, session: DbSession) -> Any:
    return service.save_scenario(
        session,
        name=body.name,
        nodes=body.nodes,
        start=body.start,
        weeks=body.weeks,
        horizon=body.horizon_weeks,
        username=_username(request),
    )


@router.get(
    "/scenarios/{scenario_id}",
    response_model=ScenarioRead,
    summary="A saved scenario",
    responses=problems(404),
)
def get_scenario(scenario_id: RowId, session: DbSession) -> Any:
    return service.get_scenario(session, scenario_id=scenario_id)


@router.delete(
    "/scenarios/{scenario_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a saved scenario",
    responses=problems(404),
)
def delete_scenario(scenario_id: RowId, session: DbSession) -> Response:
    service.delete_scenario(session, scenario_id=scenario_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/scenarios/{scenario_id}/run",
    summary="Run a saved scenario and record its totals",
    responses=problems(404, 422),
)
def run_saved(
    scenario_id: RowId,
    session: DbSession,
    as_of: Annotated[date | None, Query(description="Day week 0 begins; today if absent.")] = None,
) -> dict[str, Any]:
    return service.run_saved_scenario(session, scenario_id=scenario_id, as_of=as_of)


@router.get("/reports", response_model=Page[ReportRead], summary="Issued risk assessment reports")
def list_reports(
    request: Request, response: Response, session: DbSession, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0
) -> Page[ReportRead]:
    items, total = service.list_reports(session, limit=limit, offset=offset)
    return page(Page[ReportRead], request, response, items, total, limit=limit, offset=offset)


@router.post(
    "/reports",
    response_model=ReportRead,
    status_code=status.HTTP_201_CREATED,
    summary="Issue a supply-chain risk assessment report (CRMA)",
    description="Computes the report on the stored data, stores it with its inputs and the data "
    "fingerprint; fetch it as HTML or PDF.",
    responses=problems(422),
)
def create_report(body: ReportCreate, request: Request, session: DbSession) -> Any:
    context = service.report_context(
        session, as_of=body.as_of, weeks=body.weeks, top=body.top, title=body.title
    )
    return service.save_report(
        session, html=service.render_report(context), context=context, username=_username(request)
    )


@router.get(
    "/reports/{report_id}.html",
    summary="An issued report as HTML",
    response_class=Response,
    responses={200: {"content": {"text/html": {}}}, **problems(404)},
)
def report_html(report_id: RowId, session: DbSession) -> Response:
    return Response(service.get_report(session, report_id=report_id).html, media_type="text/html")


@router.get(
    "/reports/{report_id}.pdf",
    summary="An issued report as PDF",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **problems(404)},
)
def report_pdf(report_id: RowId, session: DbSession) -> Response:
    report = service.get_report(session, report_id=report_id)
    return Response(
        service.report_pdf(report.html),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="risk-report-{report.id}.pdf"'},
    )


@router.get(
    "/reports/{report_id}", response_model=ReportRead, summary="An issued report", responses=problems(404)
)
def get_report(report_id: RowId, session: DbSession) -> Any:
    return service.get_report(session, report_id=report_id)
