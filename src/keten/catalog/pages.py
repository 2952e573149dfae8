"""Pages of the catalog: the parts list and a part's page with its lazy BOM tree, where-used,
materials and stock (its sources come from the partners' pages, loaded into the page).

Every list is one page of an indexed query, and the BOM tree loads one level when a node opens, so
a 100,000-part product costs no more to show than a small one.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from keten.catalog.models import PART_KINDS, BomLine, Material, Part, PartMaterial, Stock
from keten.deps import get_session
from keten.pagination import MAX_OFFSET
from keten.ui import Page, Templates

__all__ = ["PAGE_SIZE", "TREE_BATCH", "router"]

router = APIRouter(include_in_schema=False)
templates = Templates(__file__)

PAGE_SIZE = 50
TREE_BATCH = 100
"""BOM lines shown per node before a 'show more' link."""
PROBLEMS = ("no-mass", "no-bom")


def _count(session: Session, statement: Select[Any]) -> int:
    return int(session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0)


def search_parts(
    session: Session, *, q: str | None, kind: str | None, problem: str | None, page: int
) -> Page:
    """Return one page of parts matching a search text, a kind and a data problem, by part number."""
    statement = select(Part)
    if q:
        pattern = f"%{q.strip().lower()}%"
        statement = statement.where(
            or_(func.lower(Part.part_number).like(pattern), func.lower(Part.name).like(pattern))
        )
    if kind:
        statement = statement.where(Part.kind == kind)
    if problem == "no-mass":
        statement = statement.where(Part.mass_kg.is_(None))
    elif problem == "no-bom":
        statement = statement.where(Part.kind == "product", ~exists().where(BomLine.parent_id == Part.id))
    limit, offset = Page.bounds(page, PAGE_SIZE)
    items = list(session.scalars(statement.order_by(Part.part_number).limit(limit).offset(offset)))
    return Page(items=items, number=max(page, 1), size=PAGE_SIZE, total=_count(session, statement))


def bom_children(session: Session, *, part_id: int, limit: int, offset: int) -> tuple[list[Any], int]:
    """Return (lines, number of lines in all) of one level of ``part_id``'s BOM.

    Each line is (BomLine, child Part, whether the child has a BOM of its own).
    """
    child = aliased(Part)
    grandchild = aliased(BomLine)
    has_children = exists().where(grandchild.parent_id == BomLine.child_id).correlate(BomLine)
    statement = (
        select(BomLine, child, has_children.label("has_children"))
        .join(child, child.id == BomLine.child_id)
        .where(BomLine.parent_id == part_id)
        .order_by(BomLine.position, child.part_number)
    )
    rows = [tuple(row) for row in session.execute(statement.limit(limit).offset(offset))]
    total = int(
        session.scalar(select(func.count()).select_from(BomLine).where(BomLine.parent_id == part_id)) or 0
    )
    return rows, total


def where_used(session: Session, *, part_id: int, page: int) -> Page:
    """Return one page of (BomLine, parent Part) whose BOM lists ``part_id``."""
    parent = aliased(Part)
    statement = (
        select(BomLine, parent)
        .join(parent, parent.id == BomLine.parent_id)
        .where(BomLine.child_id == part_id)
        .order_by(parent.part_number)
    )
    limit, offset = Page.bounds(page, PAGE_SIZE)
    items = [tuple(row) for row in session.execute(statement.limit(limit).offset(offset))]
    total = int(
        session.scalar(select(func.count()).select_from(BomLine).where(BomLine.child_id == part_id)) or 0
    )
    return Page(items=items, number=max(page, 1), size=PAGE_SIZE, total=total)


def _part_or_404(session: Session, part_number: str) -> Part:
    part = session.scalar(select(Part).where(Part.part_number == part_number))
    if part is None:
        raise HTTPException(404, f"there is no part {part_number!r}")
    return part


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
    result = search_parts(session, q=q, kind=kind, problem=problem, page=page)
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
    lines, total = bom_children(session, part_id=part_id, limit=TREE_BATCH, offset=offset)
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
    part = _part_or_404(session, part_number)
    lines, total = bom_children(session, part_id=part.id, limit=TREE_BATCH, offset=0)
    materials = session.execute(
        select(PartMaterial, Material)
        .join(Material, Material.id == PartMaterial.material_id)
        .where(PartMaterial.part_id == part.id)
        .order_by(PartMaterial.mass_kg.desc())
    ).all()
    stock = session.scalar(select(Stock).where(Stock.part_id == part.id))
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
            "used": where_used(session, part_id=part.id, page=used_page),
            "materials": materials,
            "stock": stock,
        },
    )
