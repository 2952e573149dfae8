"""JSON API of the connector under /api/connector: the sources' status, their events, the equipment
and the samples of a signal."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from keten.apidoc import problems
from keten.connector import service
from keten.connector.config import SIGNALS
from keten.connector.schemas import (
    EnergyCreate,
    EnergyRead,
    EquipmentRead,
    EventRead,
    OeeRead,
    PartEnergyRead,
    SeriesRead,
    SourceRead,
)
from keten.deps import get_session
from keten.problems import Problem

__all__ = ["router"]

router = APIRouter(prefix="/connector", tags=["connector"])

DbSession = Annotated[Session, Depends(get_session, scope="function")]


@router.get("/sources", response_model=list[SourceRead], summary="Each source's status")
def list_sources(session: DbSession) -> list[SourceRead]:
    """Connected or not, last values, lag and errors of every OPC UA server and MQTT broker."""
    return [SourceRead.model_validate(s) for s in service.sources(session)]


@router.get("/events", response_model=list[EventRead], summary="What the connectors saw")
def list_events(
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    source: str | None = None,
) -> list[EventRead]:
    """Counter resets and rollovers, malformed payloads, lost and restored connections, newest first."""
    return [EventRead.model_validate(e) for e in service.events(session, limit=limit, source=source)]


@router.get("/equipment", response_model=list[EquipmentRead], summary="The equipment")
def list_equipment(session: DbSession) -> list[EquipmentRead]:
    """Every piece of equipment the connector files describe."""
    return [EquipmentRead.model_validate(e) for e in service.list_equipment(session)]


@router.get(
    "/equipment/{key}/series",
    response_model=SeriesRead,
    summary="Samples of one signal",
    responses=problems(404, 422),
)
def series(
    key: str,
    session: DbSession,
    signal: Annotated[str, Query(description=f"One of {', '.join(SIGNALS)}.")],
    start_ms: Annotated[int | None, Query(description="From (ms since the epoch, inclusive).")] = None,
    end_ms: Annotated[int | None, Query(description="To (ms since the epoch, exclusive).")] = None,
) -> SeriesRead:
    """The samples of ``signal`` of one equipment in time order."""
    if signal not in SIGNALS:
        raise Problem(422, "Unprocessable Content", f"signal must be one of {', '.join(SIGNALS)}")
    eq = service.get_equipment(session, key=key)
    got = service.series(session, equipment_id=eq.id, signal=signal, start_ms=start_ms, end_ms=end_ms)
    text = signal in ("order_id", "part_number")
    return SeriesRead(
        equipment=key,
        signal=signal,
        ts_ms=got.ts_ms.tolist(),
        values=None if text else [None if v != v else float(v) for v in got.value],
        texts=got.text if text else None,
    )


@router.post(
    "/energy",
    response_model=EnergyRead,
    summary="Attribute a period's energy to orders",
    responses=problems(422),
)
def attribute_energy(body: EnergyCreate, session: DbSession) -> EnergyRead:
    """Energy per order (non-running energy by the stated rules), per good unit of each part and site,
    and OEE per machine and site, stored for the period; optionally fed to the footprint engine."""
    result = service.attribute_period(
        session,
        start=body.start,
        end=body.end,
        rules={str(k): str(v) for k, v in body.rules.items()},
        site=body.site,
    )
    fed = service.feed_footprints(session, start=body.start, end=body.end) if body.feed_footprints else None
    return EnergyRead(
        orders=result.orders,
        energy_kwh=result.energy_kwh,
        unattributed_kwh=result.unattributed_kwh,
        parts=result.parts,
        oee=[OeeRead.model_validate(o) for o in result.oee],
        footprints=fed,
    )


@router.get("/energy/parts", response_model=list[PartEnergyRead], summary="Measured energy per unit")
def part_energy(session: DbSession, part_number: str | None = None) -> list[PartEnergyRead]:
    """Measured energy per good unit of each part and site, newest period first."""
    return [
        PartEnergyRead.model_validate(r) for r in service.list_part_energy(session, part_number=part_number)
    ]


@router.get("/oee", response_model=list[OeeRead], summary="OEE per machine and site")
def list_oee(session: DbSession, site: str | None = None) -> list[OeeRead]:
    """Availability, performance, quality, OEE and good output per hour, newest period first."""
    return [OeeRead.model_validate(r) for r in service.list_oee(session, site=site)]
