"""Pages of the catalog: the parts list and a part's page with its lazy BOM tree, where-used,
materials and stock (its sources come from the partners' pages, loaded into the page).

Every list is one page of an indexed query, and the BOM tree loads one level when a node opens, so
a 100,000-part product costs no more to show than a small one.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from keten.catalog import browse
from keten.catalog.browse import PROBLEMS
from keten.catalog.models import PART_KINDS
from keten.deps import get_session
from keten.pagination import MAX_OFFSET
from keten.ui import Page, Templates

__all__ = ["PAGE_SIZE", "TREE_BATCH", "router"]

router = APIRouter(include_in_schema=False)
templates = Templates(__file__)

PAGE_SIZE = 50
TREE_BATCH = 100
"""BOM lines shown per node before a 'show more' link."""


def _page(found: tuple[list[Any], int], page: int) -> Page:
    items, total = found
    return Page(items=items, number=max(page, 1), size=PAGE_SIZE, total=total)


@router.get("/parts")
def parts(
    request: Request,
    session: Annotated[Session, Depends(get_session, scope="function")],
    q: Annotated[str | None, Query(max_length=100)] = None,
    kind: Annotated[str | None, Query()] = None,
    problem: Annotated[str | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    kind = kind if kind in PART_KINDS else None
    problem = problem if problem in PROBLEMS else None
    limit, offset = Page.bounds(page, PAGE_SIZE)
    result = _page(
        browse.search_parts(session, q=q, kind=kind, problem=problem, limit=limit, offset=offset), page
    )
    return templates.render(
        request,
        "parts.html",
        {"page": result, "q": q or "", "kind": kind, "kinds": PART_KINDS, "problem": problem},
    )


@router.get("/catalog/bom/{part_id}")
def bom_fragment(
    request: Request,
    session: Annotated[Session, Depends(get_session, scope="function")],
    part_id: int,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    factor: Annotated[float, Query(gt=0)] = 1.0,
    depth: Annotated[int, Query(ge=0, le=100)] = 1,
    root: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    """One level of a BOM tree as list items, fetched when a node opens."""
    lines, total = browse.bom_level(session, part_id=part_id, limit=TREE_BATCH, offset=offset)
    return templates.render(
        request,
        "_bom_nodes.html",
        {
            "lines": lines,
            "total": total,
            "offset": offset,
            "batch": TREE_BATCH,
            "parent_id": part_id,
            "factor": factor,
            "depth": depth,
            "root": root,
        },
    )


@router.get("/parts/{part_number:path}")
def part_page(
    request: Request,
    session: Annotated[Session, Depends(get_session, scope="function")],
    part_number: str,
    used_page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    detail = browse.part_detail(session, part_number=part_number)
    part = detail.part
    lines, total = browse.bom_level(session, part_id=part.id, limit=TREE_BATCH, offset=0)
    limit, offset = Page.bounds(used_page, PAGE_SIZE)
    used = _page(browse.direct_parents(session, part_id=part.id, limit=limit, offset=offset), used_page)
    return templates.render(
        request,
        "part.html",
        {
            "part": part,
            "lines": lines,
            "total": total,
            "offset": 0,
            "batch": TREE_BATCH,
            "parent_id": part.id,
            "factor": 1.0,
            "depth": 1,
            "root": part.part_number,
            "used": used,
            "materials": detail.materials,
            "stock": detail.stock,
        },
    )
