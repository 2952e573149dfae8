"""Pages of the lifecycle: the machines in the field with their status and the returns (machines
decommissioned, taken apart, harvested, recycled), one machine's timeline, and a product's
circularity under the assumptions its reader sets."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from keten.deps import get_session
from keten.lifecycle import service
from keten.lifecycle.schemas import CircularityAssumptions
from keten.lifecycle.vocabulary import step_name
from keten.ui import Templates

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
templates = Templates(__file__)

DbSession = Annotated[Session, Depends(get_session, scope="function")]


@router.get("/lifecycle")
def overview(request: Request, session: DbSession) -> Response:
    """The machines with the newest events first, and the returns."""
    context = {"machines": service.machines(session), "returns": service.returns(session)}
    return templates.render(request, "lifecycle.html", context)


@router.get("/lifecycle/machines/{gtin}/{serial}")
def machine(
    request: Request,
    session: DbSession,
    gtin: Annotated[str, Path(pattern=r"^\d{14}$")],
    serial: Annotated[str, Path(min_length=1, max_length=40)],
) -> Response:
    """A machine's status, the modules it holds, its service record and every event, oldest first."""
    caller = service.Caller(username=request.state.user.username)
    found = service.timeline(session, gtin=gtin, serial=serial, caller=caller)
    rows = [
        {
            "time": e["eventTime"],
            "type": e["type"],
            "step": step_name(str(e["bizStep"])) if e.get("bizStep") else None,
            "action": e.get("action"),
        }
        for e in found.events
    ]
    context = {"gtin": gtin, "serial": serial, "timeline": found, "rows": rows}
    return templates.render(request, "machine.html", context)


@router.get("/lifecycle/circularity/{part_number}")
def circularity(
    request: Request,
    session: DbSession,
    part_number: Annotated[str, Path(max_length=64)],
    assumptions: Annotated[CircularityAssumptions, Query()],
) -> Response:
    """A product's recycled content, recoverable mass and MCI, and the form that sets the assumptions."""
    resolver = request.app.state.settings.resolver_url
    found = service.product_circularity(
        session, part_number=part_number, assumptions=assumptions, resolver=resolver
    )
    return templates.render(request, "circularity.html", {"found": found, "part_number": part_number})
