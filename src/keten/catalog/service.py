"""Catalog logic: parts, BOMs, explosion and where-used, materials, composition, stock.

Functions take the session first and keyword arguments after; they flush, never commit.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import Select, delete, exists, or_, select
from sqlalchemy.orm import Session, aliased

from keten import validators
from keten.catalog.models import BomLine, Material, Part, PartMaterial, Stock
from keten.catalog.schemas import (
    BomLineIn,
    BomLineRead,
    CompositionIn,
    CompositionRead,
    ExplosionItem,
    MaterialCreate,
    MaterialUpdate,
    PartCreate,
    PartUpdate,
    SourceRead,
    StockRead,
    StockUpdate,
    WhereUsedItem,
)
from keten.core import bom as core_bom
from keten.core.errors import BomCycleError
from keten.core.indexing import IndexMap
from keten.pagination import count
from keten.partners.models import Organization, Site, Sourcing
from keten.problems import Problem

__all__ = [
    "bom_children",
    "composition",
    "create_material",
    "create_part",
    "delete_material",
    "delete_part",
    "explode_part",
    "get_material",
    "get_part",
    "list_materials",
    "list_parts",
    "list_stock",
    "load_bom_graph",
    "replace_bom",
    "replace_composition",
    "set_stock",
    "sources",
    "update_material",
    "update_part",
    "where_used_part",
]


def _not_found(what: str, key: str) -> Problem:
    return Problem(404, "Not Found", f"no {what} '{key}'")


# --- parts ------------------------------------------------------------------------------------


def parts_query(
    *,
    q: str | None = None,
    kind: str | None = None,
    category: str | None = None,
    value_chain: str | None = None,
) -> Select[Part]:
    """Return the query of parts matching the filters, ordered by part number."""
    statement = select(Part).order_by(Part.part_number)
    if q:
        pattern = f"%{q.lower()}%"
        statement = statement.where(or_(Part.part_number.ilike(pattern), Part.name.ilike(pattern)))
    if kind:
        statement = statement.where(Part.kind == kind)
    if category:
        statement = statement.where(Part.category == category)
    if value_chain:
        statement = statement.where(Part.value_chain == value_chain)
    return statement


def list_parts(session: Session, *, limit: int, offset: int, **filters: str | None) -> tuple[list[Part], int]:
    """Return one page of parts matching ``filters`` and how many match in all."""
    statement = parts_query(**filters)
    return list(session.scalars(statement.limit(limit).offset(offset))), count(session, statement)


def get_part(session: Session, *, part_number: str) -> Part:
    """Return the part with ``part_number``; a 404 problem if there is none."""
    found = session.scalars(select(Part).where(Part.part_number == part_number)).one_or_none()
    if found is None:
        raise Problem(404, "Not Found", f"no part with part number '{part_number}'")
    return found


def create_part(session: Session, *, data: PartCreate) -> Part:
    """Create a part; a 409 problem if the part number is taken."""
    if session.scalar(select(exists().where(Part.part_number == data.part_number))):
        raise Problem(409, "Conflict", f"a part with part number '{data.part_number}' exists already")
    part = Part(**data.model_dump(), revision=1)
    session.add(part)
    session.flush()
    return part


def update_part(session: Session, *, part_number: str, data: PartUpdate, replace: bool = False) -> Part:
    """Change the given fields of a part (all fields with ``replace``) and raise its revision."""
    part = get_part(session, part_number=part_number)
    values = data.model_dump(exclude_unset=not replace)
    changed = {k: v for k, v in values.items() if getattr(part, k) != v}
    if changed:
        for key, value in changed.items():
            setattr(part, key, value)
        part.revision += 1
        part.updated_at = datetime.now(UTC)
        session.flush()
    return part


def delete_part(session: Session, *, part_number: str) -> None:
    """Delete a part; a 409 problem naming the parents while it is still used in a BOM."""
    part = get_part(session, part_number=part_number)
    parent = aliased(Part)
    parents = session.scalars(
        select(parent.part_number)
        .join(BomLine, BomLine.parent_id == parent.id)
        .where(BomLine.child_id == part.id)
        .distinct()
    ).all()
    if parents:
        raise Problem(
            409,
            "Conflict",
            f"part '{part_number}' is used in the BOM of {', '.join(sorted(parents))}; remove it there first",
        )
    session.delete(part)
    session.flush()


# --- BOM --------------------------------------------------------------------------------------


def bom_children(session: Session, *, part_number: str) -> list[BomLineRead]:
    """Return the direct children of a part, by position, each saying whether it has children itself."""
    part = get_part(session, part_number=part_number)
    grandchild = aliased(BomLine)
    rows = session.execute(
        select(
            Part.part_number,
            Part.name,
            Part.kind,
            Part.unit,
            BomLine.quantity,
            BomLine.position,
            exists().where(grandchild.parent_id == Part.id).label("has_children"),
        )
        .join(BomLine, BomLine.child_id == Part.id)
        .where(BomLine.parent_id == part.id)
        .order_by(BomLine.position, Part.part_number)
    ).all()
    return [
        BomLineRead(
            child=r[0], name=r[1], kind=r[2], unit=r[3], quantity=r[4], position=r[5], has_children=bool(r[6])
        )
        for r in rows
    ]


def load_bom_graph(session: Session) -> tuple[IndexMap[int], core_bom.BomGraph]:
    """Return the whole BOM as a graph over every part: an index map of part ids and the graph.

    Loads only ids and (parent, child, quantity) triplets, so 100,000 parts take a fraction of a second.
    """
    ids = session.scalars(select(Part.id).order_by(Part.id)).all()
    index = IndexMap.from_ids(ids)
    edges = session.execute(select(BomLine.parent_id, BomLine.child_id, BomLine.quantity)).all()
    if edges:
        parent_ids, child_ids, quantities = zip(*edges, strict=True)
    else:
        parent_ids, child_ids, quantities = (), (), ()
    positions = np.full(max(ids, default=0) + 1, -1, dtype=np.int64)
    positions[np.asarray(ids, dtype=np.int64)] = np.arange(len(ids), dtype=np.int64)
    graph = core_bom.build_bom(
        len(ids),
        positions[np.asarray(parent_ids, dtype=np.int64)],
        positions[np.asarray(child_ids, dtype=np.int64)],
        np.asarray(quantities, dtype=np.float64),
    )
    return index, graph


def _depth_below(graph: core_bom.BomGraph, root: int) -> np.ndarray[Any, np.dtype[np.int64]]:
    """Return the longest path from ``root`` to every part in its BOM (-1 outside it), shape (n,)."""
    depth = np.full(graph.n, -1, dtype=np.int64)
    depth[root] = 0
    ptr = graph.level_ptr
    for lvl in range(int(graph.level[root]), len(ptr) - 1):
        lo, hi = int(ptr[lvl]), int(ptr[lvl + 1])
        parents = graph.edge_parent[lo:hi]
        reached = depth[parents] >= 0
        if reached.any():
            np.maximum.at(depth, graph.edge_child[lo:hi][reached], depth[parents[reached]] + 1)
    return depth


def explode_part(
    session: Session, *, part_number: str, quantity: float = 1.0, limit: int, offset: int
) -> tuple[list[ExplosionItem], int]:
    """Return one page of the total quantity of every part in ``quantity`` units of a part, and the count."""
    part = get_part(session, part_number=part_number)
    index, graph = load_bom_graph(session)
    root = index.index(part.id)
    totals = core_bom.explode(graph, root, quantity)
    depth = _depth_below(graph, root)
    inside = np.flatnonzero(totals > 0)
    inside = inside[inside != root]
    by_id = {index.key(int(i)): (float(totals[i]), int(depth[i])) for i in inside}
    rows = session.execute(
        select(Part.id, Part.part_number, Part.name, Part.kind, Part.unit).where(Part.id.in_(list(by_id)))
        if len(by_id) <= 30_000
        else select(Part.id, Part.part_number, Part.name, Part.kind, Part.unit)
    ).all()
    items = sorted(
        (
            ExplosionItem(
                part_number=r[1],
                name=r[2],
                kind=r[3],
                unit=r[4],
                total_quantity=by_id[r[0]][0],
                level=by_id[r[0]][1],
            )
            for r in rows
            if r[0] in by_id
        ),
        key=lambda item: item.part_number,
    )
    return items[offset : offset + limit], len(items)


def where_used_part(session: Session, *, part_number: str) -> list[WhereUsedItem]:
    """Return every part that contains a part, with the quantity per unit of it, direct parents flagged."""
    part = get_part(session, part_number=part_number)
    index, graph = load_bom_graph(session)
    position = index.index(part.id)
    contained = core_bom.where_used(graph, position)
    users = {index.key(int(i)): float(contained[i]) for i in np.flatnonzero(contained > 0) if i != position}
    direct = set(session.scalars(select(BomLine.parent_id).where(BomLine.child_id == part.id)).all())
    rows = session.execute(
        select(Part.id, Part.part_number, Part.name, Part.kind).where(Part.id.in_(list(users)))
    ).all()
    return sorted(
        (
            WhereUsedItem(
                part_number=r[1], name=r[2], kind=r[3], quantity_per_unit=users[r[0]], direct=r[0] in direct
            )
            for r in rows
        ),
        key=lambda item: (not item.direct, item.part_number),
    )


def replace_bom(session: Session, *, part_number: str, lines: list[BomLineIn]) -> list[BomLineRead]:
    """Make the BOM of a part exactly ``lines``; a 409 problem naming the cycle if one would arise."""
    parent = get_part(session, part_number=part_number)
    children: dict[str, Part] = {}
    wanted: dict[tuple[int, str], float] = {}
    for number, line in enumerate(lines, start=1):
        child = children.get(line.child) or get_part(session, part_number=line.child)
        children[line.child] = child
        if child.id == parent.id:
            raise Problem(422, "Invalid BOM", f"line {number}: part '{part_number}' cannot contain itself")
        quantity = line.quantity
        if line.unit:
            try:
                quantity = validators.parse_quantity(f"{line.quantity} {line.unit}", child.unit)
            except ValueError as exc:
                raise Problem(422, "Invalid BOM", f"line {number}: {exc} (child '{line.child}')") from None
        key = (child.id, line.position)
        if key in wanted:
            raise Problem(
                422, "Invalid BOM", f"line {number}: '{line.child}' at position '{line.position}' twice"
            )
        wanted[key] = quantity
    others = session.execute(
        select(BomLine.parent_id, BomLine.child_id).where(BomLine.parent_id != parent.id)
    ).all()
    ids = session.scalars(select(Part.id)).all()
    size = max(ids, default=0) + 1
    labels = [""] * size
    for pid, number_ in session.execute(select(Part.id, Part.part_number)).all():
        labels[pid] = number_
    edge_parent = [p for p, _ in others] + [parent.id] * len(wanted)
    edge_child = [c for _, c in others] + [c for c, _ in wanted]
    try:
        core_bom.build_bom(size, edge_parent, edge_child, [1.0] * len(edge_parent), labels=labels)
    except BomCycleError as exc:
        raise Problem(409, "BOM cycle", str(exc), cycle=exc.cycle) from None
    session.execute(delete(BomLine).where(BomLine.parent_id == parent.id))
    session.add_all(
        BomLine(parent_id=parent.id, child_id=child_id, position=position, quantity=quantity)
        for (child_id, position), quantity in wanted.items()
    )
    session.flush()
    return bom_children(session, part_number=part_number)


# --- materials and composition ----------------------------------------------------------------


def list_materials(
    session: Session, *, limit: int, offset: int, family: str | None = None
) -> tuple[list[Material], int]:
    """Return one page of materials, by code, and how many there are."""
    statement = select(Material).order_by(Material.code)
    if family:
        statement = statement.where(Material.family == family)
    return list(session.scalars(statement.limit(limit).offset(offset))), count(session, statement)


def get_material(session: Session, *, code: str) -> Material:
    """Return the material with ``code``; a 404 problem if there is none."""
    found = session.scalars(select(Material).where(Material.code == code)).one_or_none()
    if found is None:
        raise Problem(404, "Not Found", f"no material with code '{code}'")
    return found


def create_material(session: Session, *, data: MaterialCreate) -> Material:
    """Create a material; a 409 problem if the code is taken."""
    if session.scalar(select(exists().where(Material.code == data.code))):
        raise Problem(409, "Conflict", f"a material with code '{data.code}' exists already")
    material = Material(**data.model_dump())
    session.add(material)
    session.flush()
    return material


def update_material(session: Session, *, code: str, data: MaterialUpdate) -> Material:
    """Change the given fields of a material."""
    material = get_material(session, code=code)
    for key, value in data.model_dump(exclude_unset=True).items():
        setattr(material, key, value)
    session.flush()
    return material


def delete_material(session: Session, *, code: str) -> None:
    """Delete a material; a 409 problem while parts are made of it."""
    material = get_material(session, code=code)
    used = session.scalar(select(exists().where(PartMaterial.material_id == material.id)))
    if used:
        raise Problem(
            409, "Conflict", f"material '{code}' is in the composition of parts; remove it there first"
        )
    session.delete(material)
    session.flush()


def composition(session: Session, *, part_number: str) -> list[CompositionRead]:
    """Return the material composition of a part, heaviest first."""
    part = get_part(session, part_number=part_number)
    rows = session.execute(
        select(
            Material.code, Material.name, Material.family, PartMaterial.mass_kg, PartMaterial.recycled_share
        )
        .join(PartMaterial, PartMaterial.material_id == Material.id)
        .where(PartMaterial.part_id == part.id)
        .order_by(PartMaterial.mass_kg.desc(), Material.code)
    ).all()
    return [
        CompositionRead(material=r[0], name=r[1], family=r[2], mass_kg=r[3], recycled_share=r[4])
        for r in rows
    ]


def replace_composition(
    session: Session, *, part_number: str, lines: list[CompositionIn]
) -> list[CompositionRead]:
    """Make the composition of a part exactly ``lines``; the materials may not weigh more than the part."""
    part = get_part(session, part_number=part_number)
    materials = {line.material: get_material(session, code=line.material) for line in lines}
    if len(materials) != len(lines):
        raise Problem(422, "Invalid composition", "a material appears twice")
    total = sum(line.mass_kg for line in lines)
    if part.mass_kg is not None and total > part.mass_kg * 1.001 + 1e-12:
        raise Problem(
            422,
            "Invalid composition",
            f"the materials weigh {total:.6g} kg, more than the part ({part.mass_kg:.6g} kg)",
        )
    session.execute(delete(PartMaterial).where(PartMaterial.part_id == part.id))
    session.add_all(
        PartMaterial(
            part_id=part.id,
            material_id=materials[line.material].id,
            mass_kg=line.mass_kg,
            recycled_share=line.recycled_share,
        )
        for line in lines
    )
    session.flush()
    return composition(session, part_number=part_number)


def sources(session: Session, *, part_number: str) -> list[SourceRead]:
    """Return the supplier sites of a part, largest share first."""
    part = get_part(session, part_number=part_number)
    rows = session.execute(
        select(Site.code, Site.name, Organization.code, Organization.name, Site.country, Sourcing)
        .join(Sourcing, Sourcing.site_id == Site.id)
        .join(Organization, Organization.id == Site.organization_id)
        .where(Sourcing.part_id == part.id)
        .order_by(Sourcing.share.desc(), Site.code)
    ).all()
    return [
        SourceRead(
            site=r[0],
            site_name=r[1],
            organization=r[2],
            organization_name=r[3],
            country=r[4],
            share=r[5].share,
            lead_time_days=r[5].lead_time_days,
            price_eur=r[5].price_eur,
            qualified_alternate=r[5].qualified_alternate,
        )
        for r in rows
    ]


# --- stock ------------------------------------------------------------------------------------


def list_stock(session: Session, *, limit: int, offset: int) -> tuple[list[StockRead], int]:
    """Return one page of stock, by part number, and how many parts have stock."""
    statement = (
        select(Part.part_number, Stock.on_hand, Stock.safety_stock, Stock.weekly_usage)
        .join(Stock, Stock.part_id == Part.id)
        .order_by(Part.part_number)
    )
    rows = session.execute(statement.limit(limit).offset(offset)).all()
    items = [StockRead(part_number=r[0], on_hand=r[1], safety_stock=r[2], weekly_usage=r[3]) for r in rows]
    return items, count(session, statement)


def set_stock(session: Session, *, part_number: str, data: StockUpdate) -> StockRead:
    """Set the stock of a part."""
    part = get_part(session, part_number=part_number)
    stock = session.scalars(select(Stock).where(Stock.part_id == part.id)).one_or_none()
    if stock is None:
        stock = Stock(part_id=part.id)
        session.add(stock)
    stock.on_hand, stock.safety_stock, stock.weekly_usage = data.on_hand, data.safety_stock, data.weekly_usage
    session.flush()
    return StockRead(part_number=part_number, **data.model_dump())
