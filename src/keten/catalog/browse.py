"""What the catalog's pages browse: one page of parts found by text, kind or data problem, one level
of a BOM at a time, the direct parents of a part, and a part's materials and stock.

Every answer is one page of an indexed query, so a 100,000-part product costs no more to show than a
small one. The API's equivalents (``service.list_parts``, ``service.bom_children``,
``service.where_used``) answer whole levels and every level of use; these answer the pages' pieces.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session, aliased

from keten.catalog.models import BomLine, Material, Part, PartMaterial, Stock
from keten.catalog.service import _parts_query, get_part
from keten.pagination import count

__all__ = ["BomLevelLine", "PartDetail", "bom_level", "direct_parents", "part_detail", "search_parts"]

PROBLEMS = ("no-mass", "no-bom")
"""Data problems a parts search can filter on: no mass, a product without a BOM."""


class BomLevelLine(NamedTuple):
    """One line of a BOM level: the line, its child, and whether the child has a BOM of its own."""

    line: BomLine
    child: Part
    has_children: bool


@dataclass(frozen=True)
class PartDetail:
    """A part with its material composition (heaviest first) and its stock row, if any."""

    part: Part
    materials: list[tuple[PartMaterial, Material]]
    stock: Stock | None


def _search(q: str | None, kind: str | None, problem: str | None) -> Select[Part]:
    statement = _parts_query(q=(q or "").strip() or None, kind=kind)
    if problem == "no-mass":
        statement = statement.where(Part.mass_kg.is_(None))
    elif problem == "no-bom":
        statement = statement.where(Part.kind == "product", ~exists().where(BomLine.parent_id == Part.id))
    return statement


def search_parts(
    session: Session, *, q: str | None, kind: str | None, problem: str | None, limit: int, offset: int
) -> tuple[list[Part], int]:
    """Return one page of parts by part number whose number or name contains ``q`` (``%`` and ``_``
    taken literally), of a kind, with a data problem of :data:`PROBLEMS`; and how many match."""
    statement = _search(q, kind, problem)
    items = list(session.scalars(statement.limit(limit).offset(offset)))
    return items, count(session, statement)


def bom_level(session: Session, *, part_id: int, limit: int, offset: int) -> tuple[list[BomLevelLine], int]:
    """Return one page of the direct BOM lines of ``part_id`` by position, and how many it has."""
    child = aliased(Part)
    grandchild = aliased(BomLine)
    has_children = exists().where(grandchild.parent_id == BomLine.child_id).correlate(BomLine)
    statement = (
        select(BomLine, child, has_children.label("has_children"))
        .join(child, child.id == BomLine.child_id)
        .where(BomLine.parent_id == part_id)
        .order_by(BomLine.position, child.part_number)
    )
    rows = [
        BomLevelLine(r[0], r[1], bool(r[2])) for r in session.execute(statement.limit(limit).offset(offset))
    ]
    return rows, count(session, select(BomLine.id).where(BomLine.parent_id == part_id))


def direct_parents(
    session: Session, *, part_id: int, limit: int, offset: int
) -> tuple[list[tuple[BomLine, Part]], int]:
    """Return one page of (BOM line, parent) whose BOM lists ``part_id`` directly, and how many."""
    parent = aliased(Part)
    statement = (
        select(BomLine, parent)
        .join(parent, parent.id == BomLine.parent_id)
        .where(BomLine.child_id == part_id)
        .order_by(parent.part_number)
    )
    items = [(r[0], r[1]) for r in session.execute(statement.limit(limit).offset(offset))]
    return items, count(session, select(BomLine.id).where(BomLine.child_id == part_id))


def part_detail(session: Session, *, part_number: str) -> PartDetail:
    """Return a part with its materials and stock; a 404 problem if there is none."""
    part = get_part(session, part_number=part_number)
    materials = session.execute(
        select(PartMaterial, Material)
        .join(Material, Material.id == PartMaterial.material_id)
        .where(PartMaterial.part_id == part.id)
        .order_by(PartMaterial.mass_kg.desc())
    ).all()
    stock = session.scalar(select(Stock).where(Stock.part_id == part.id))
    return PartDetail(part, [(m[0], m[1]) for m in materials], stock)
