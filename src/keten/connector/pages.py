"""The connector's status page: each source connected or not, its last values, lag and errors, and
the newest events."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from keten.connector import service
from keten.deps import get_session
from keten.ui import Templates

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
templates = Templates(__file__)

DbSession = Annotated[Session, Depends(get_session, scope="function")]


@router.get("/connector")
def status(request: Request, session: DbSession) -> Response:
    """Every source's status and the newest events; the page reloads itself every ten seconds."""
    return templates.render(
        request,
        "connector.html",
        {
            "sources": service.sources(session),
            "events": service.events(session, limit=30),
            "equipment": service.list_equipment(session),
        },
    )
