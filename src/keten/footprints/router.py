"""JSON API of footprints: calculate and store, breakdowns, hotspots, uncertainty, what-if, exports.

Missing emission factors answer 422 with a problem that lists every part and what it lacks.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status
from sqlalchemy.orm import Session

from keten.apidoc import problems
from keten.deps import get_session
from keten.footprints import service
from keten.footprints.schemas import (
    ActivitiesLoad,
    ActivitiesLoaded,
    BreakdownBy,
    FactorSetCreate,
    FactorSetRead,
    FootprintRead,
    Hotspot,
    WhatIfIn,
)

__all__ = ["router"]

router = APIRouter(tags=["footprints"])

DbSession = Annotated[Session, Depends(get_session, scope="function")]
FactorSetName = Annotated[
    str | None,
    Query(alias="factor_set", description="Factor set name, or name@version; the default set if absent."),
]
At = Annotated[date | None, Query(description="Date whose valid supplier PCFs count; today if absent.")]
PATH = "/footprints/{part_number}"


@router.post(
    f"{PATH}/calculate",
    response_model=FootprintRead,
    status_code=status.HTTP_201_CREATED,
    summary="Calculate and store a footprint",
    responses=problems(404, 422),
)
def calculate(part_number: str, session: DbSession, factor_set: FactorSetName = None, at: At = None) -> Any:
    run = service.calculate(session, part_number=part_number, factor_set=factor_set, at=at)
    return service.run_summary(session, run)


@router.get(
    PATH, response_model=FootprintRead, summary="The latest stored footprint", responses=problems(404)
)
def latest(part_number: str, session: DbSession) -> Any:
    return service.run_summary(session, service.latest(session, part_number=part_number))


@router.get(f"{PATH}/breakdown", summary="Footprint broken down", responses=problems(404, 422))
def breakdown(
    part_number: str,
    session: DbSession,
    by: BreakdownBy = "stage",
    depth: Annotated[int, Query(ge=1, le=10)] = 2,
    factor_set: FactorSetName = None,
    at: At = None,
    gate: Annotated[bool, Query(description="Cradle to gate only, shares of it.")] = False,
) -> dict[str, Any]:
    return service.breakdown(
        session, part_number=part_number, by=by, factor_set=factor_set, at=at, depth=depth, gate=gate
    )


@router.get(
    f"{PATH}/hotspots",
    response_model=list[Hotspot],
    summary="Largest contributors",
    responses=problems(404, 422),
)
def hotspots(
    part_number: str,
    session: DbSession,
    top: Annotated[int, Query(ge=1, le=100)] = 10,
    factor_set: FactorSetName = None,
    at: At = None,
    gate: Annotated[bool, Query(description="Cradle to gate only, shares of it.")] = False,
) -> Any:
    return service.hotspots(
        session, part_number=part_number, top=top, factor_set=factor_set, at=at, gate=gate
    )


@router.get(f"{PATH}/uncertainty", summary="Monte Carlo percentiles", responses=problems(404, 422))
def uncertainty(
    part_number: str,
    session: DbSession,
    iterations: Annotated[int, Query(ge=10, le=100_000)] = 1000,
    seed: int | None = None,
    factor_set: FactorSetName = None,
    at: At = None,
) -> dict[str, Any]:
    return service.monte_carlo(
        session, part_number=part_number, iterations=iterations, seed=seed, factor_set=factor_set, at=at
    )


@router.post(
    f"{PATH}/what-if",
    summary="Footprint before and after changes, nothing stored",
    responses=problems(404, 422),
)
def what_if(
    part_number: str, body: WhatIfIn, session: DbSession, factor_set: FactorSetName = None, at: At = None
) -> dict[str, Any]:
    changes = service.Changes(
        material=(
            body.material.old,
            body.material.new,
            tuple(body.material.parts) if body.material.parts else None,
        )
        if body.material
        else None,
        supplier_pcf=(body.supplier_pcf.part_number, body.supplier_pcf.kg_co2e_per_unit)
        if body.supplier_pcf
        else None,
        site_electricity=(body.site_electricity.site, body.site_electricity.kg_co2e_per_kwh)
        if body.site_electricity
        else None,
        recycled_share=(
            body.recycled_share.part_number,
            body.recycled_share.material,
            body.recycled_share.recycled_share,
        )
        if body.recycled_share
        else None,
    )
    return service.what_if(session, part_number=part_number, changes=changes, factor_set=factor_set, at=at)


@router.get(f"{PATH}/pact", summary="Latest footprint as a PACT v2 ProductFootprint", responses=problems(404))
def pact(
    part_number: str,
    session: DbSession,
    company_name: str = "keten node",
    company_id: str = "urn:keten:company:local",
) -> dict[str, Any]:
    return service.pact_footprint(
        session, part_number=part_number, company_name=company_name, company_id=company_id
    )


@router.get(
    f"{PATH}/idta", summary="Latest footprint as the IDTA Carbon Footprint submodel", responses=problems(404)
)
def idta(part_number: str, session: DbSession) -> dict[str, Any]:
    return service.idta_submodel(session, part_number=part_number)


@router.get("/factor-sets", response_model=list[FactorSetRead], summary="Emission factor sets")
def list_factor_sets(session: DbSession) -> Any:
    return [
        FactorSetRead(
            name=s.name,
            version=s.version,
            source=s.source,
            is_default=s.is_default,
            factors=n,
            created_at=s.created_at,
        )
        for s, n in service.factor_sets(session)
    ]


@router.post(
    "/factor-sets",
    response_model=FactorSetRead,
    status_code=status.HTTP_201_CREATED,
    summary="Load a factor set from CSV",
    responses=problems(409, 422),
)
def create_factor_set(body: FactorSetCreate, session: DbSession) -> Any:
    created = service.load_factor_csv(
        session, body.csv, name=body.name, version=body.version, make_default=body.is_default
    )
    count = dict((s.id, n) for s, n in service.factor_sets(session))[created.id]
    return FactorSetRead(
        name=created.name,
        version=created.version,
        source=created.source,
        is_default=created.is_default,
        factors=count,
        created_at=created.created_at,
    )


@router.post(
    "/footprint-activities",
    response_model=ActivitiesLoaded,
    summary="Load activity data from CSV (replaces the named parts' rows)",
    responses=problems(422),
)
def load_activities(body: ActivitiesLoad, session: DbSession) -> Any:
    return ActivitiesLoaded(rows=service.load_activities(session, body.csv, source="request body"))
