"""Catalog logic: parts, BOMs, explosion and where-used, materials, composition, stock.

Functions take the session first and keyword arguments after; they flush, never commit, and
answer a caller's mistake with a keten.problems.Problem (404 unknown key, 409 conflict, 422
invalid value) before anything is written.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
from sqlalchemy import Select, delete, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from keten import db, validators
from keten.catalog.models import BomLine, Material, Part, PartMaterial, Stock
from keten.catalog.schemas import (
    BomLineIn,
    BomLineRead,
    CompositionIn,
    CompositionRead,
    ExplosionItem,
    MaterialCreate,
    MaterialUpdate,
    PartBase,
    PartCreate,
    PartUpdate,
    StockRead,
    StockUpdate,
    WhereUsedItem,
)
from keten.core import bom as core_bom
from keten.core.errors import BomCycleError
from keten.core.indexing import IndexMap
from keten.pagination import count
from keten.partners.models import Sourcing
from keten.problems import Problem

__all__ = [
    "BomArrays",
    "bom_children",
    "composition",
    "create_material",
    "create_part",
    "delete_material",
    "delete_part",
    "explode",
    "get_material",
    "get_part",
    "get_stock",
    "like_pattern",
    "list_materials",
    "list_parts",
    "list_stock",
    "load_bom_graph",
    "material_names",
    "put_part",
    "raw_rows",
    "replace_bom",
    "replace_composition",
    "set_stock",
    "update_material",
    "update_part",
    "where_used",
]

IntArray = npt.NDArray[np.int64]


def like_pattern(text: str) -> str:
    """Return a LIKE pattern matching ``text`` anywhere, with ``%``, ``_`` and ``\\`` taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _touch(part: Part) -> None:
    # Raised by the database (revision = revision + 1), so concurrent writers each count.
    part.revision = Part.revision + 1
    part.updated_at = datetime.now(UTC)


def _flush_or_conflict(session: Session, detail: str) -> None:
    # The existence check before an insert can race with another request; the unique index decides.
    try:
        session.flush()
    except IntegrityError:
        raise Problem(409, "Conflict", detail) from None


# --- parts ------------------------------------------------------------------------------------


def _parts_query(
    *,
    q: str | None = None,
    kind: str | None = None,
    category: str | None = None,
    value_chain: str | None = None,
) -> Select[Part]:
    statement = select(Part).order_by(Part.part_number)
    if q:
        pattern = like_pattern(q)
        statement = statement.where(
            or_(Part.part_number.ilike(pattern, escape="\\"), Part.name.ilike(pattern, escape="\\"))
        )
    if kind:
        statement = statement.where(Part.kind == kind)
    if category:
        statement = statement.where(Part.category == category)
    if value_chain:
        statement = statement.where(Part.value_chain == value_chain)
    return statement


def list_parts(
    session: Session,
    *,
    limit: int,
    offset: int,
    q: str | None = None,
    kind: str | None = None,
    category: str | None = None,
    value_chain: str | None = None,
) -> tuple[list[Part], int]:
    """Return one page of parts by part number, filtered, and how many match in all.

    ``q`` matches part numbers and names that contain it, in any case.
    """
    statement = _parts_query(q=q, kind=kind, category=category, value_chain=value_chain)
    return list(session.scalars(statement.limit(limit).offset(offset))), count(session, statement)


def get_part(session: Session, *, part_number: str) -> Part:
    """Return the part with ``part_number``; a 404 problem if there is none."""
    found = session.scalars(select(Part).where(Part.part_number == part_number)).one_or_none()
    if found is None:
        raise Problem(404, "Not Found", f"no part with part number '{part_number}'")
    return found


def create_part(session: Session, *, data: PartCreate) -> Part:
    """Return a new part made from ``data``; a 409 problem if the part number is taken."""
    taken = f"a part with part number '{data.part_number}' exists already"
    if session.scalar(select(exists().where(Part.part_number == data.part_number))):
        raise Problem(409, "Conflict", taken)
    part = Part(**data.model_dump(), revision=1)
    session.add(part)
    _flush_or_conflict(session, taken)
    return part


def _quantities_in_unit(session: Session, part: Part) -> list[str]:
    """Return what holds quantities in the part's unit: BOMs that use it, its stock, composition, sourcing."""
    parent = aliased(Part)
    users = session.scalars(
        select(parent.part_number)
        .join(BomLine, BomLine.parent_id == parent.id)
        .where(BomLine.child_id == part.id)
        .distinct()
        .order_by(parent.part_number)
    ).all()
    found = [f"the BOM of {', '.join(users[:5])}{' and more' if len(users) > 5 else ''}"] if users else []
    if session.scalar(select(exists().where(Stock.part_id == part.id))):
        found.append("its stock")
    if session.scalar(select(exists().where(PartMaterial.part_id == part.id))):
        found.append("its composition")
    if session.scalar(select(exists().where(Sourcing.part_id == part.id))):
        found.append("its sourcing prices")
    return found


def _apply(session: Session, part: Part, values: dict[str, Any]) -> None:
    changed = {key: value for key, value in values.items() if getattr(part, key) != value}
    if "unit" in changed:
        # Stored quantities are numbers in the part's unit; a new unit would silently change their meaning.
        in_use = _quantities_in_unit(session, part)
        if in_use:
            raise Problem(
                409,
                "Conflict",
                f"part '{part.part_number}' is counted in '{part.unit}' by {', '.join(in_use)}; "
                f"those quantities would change meaning in '{changed['unit']}'. "
                "Keep the unit, or remove them first",
            )
    if changed:
        for key, value in changed.items():
            setattr(part, key, value)
        _touch(part)


def _part_to_write(
    session: Session, part_number: str, expected_revisions: Collection[int] | None
) -> Part | None:
    """Return the part locked for this transaction, or None; a 412 problem if it is not at one of
    ``expected_revisions`` (None: any revision will do)."""
    db.begin_writing(session)
    statement = select(Part).where(Part.part_number == part_number).with_for_update()
    found = session.scalars(statement.execution_options(populate_existing=True)).one_or_none()
    if expected_revisions is not None and (found is None or found.revision not in expected_revisions):
        now = f"is at revision {found.revision}" if found is not None else "does not exist"
        raise Problem(
            412,
            "Precondition Failed",
            f"part '{part_number}' {now}, not {' or '.join(map(str, sorted(expected_revisions)))} as the "
            "request's If-Match says; read it again and make the change on what it is now",
        )
    return found


def update_part(
    session: Session, *, part_number: str, data: PartUpdate, expected_revisions: Collection[int] | None = None
) -> Part:
    """Return the part after changing the fields set in ``data``; its revision rises if any changed.

    With ``expected_revisions``, a 412 problem unless the part is at one of them.
    """
    part = _part_to_write(session, part_number, expected_revisions)
    if part is None:
        raise Problem(404, "Not Found", f"no part with part number '{part_number}'")
    _apply(session, part, data.model_dump(exclude_unset=True))
    session.flush()
    return part


def put_part(
    session: Session, *, part_number: str, data: PartBase, expected_revisions: Collection[int] | None = None
) -> tuple[Part, bool]:
    """Return the part after setting every field from ``data``, and whether it was created.

    Fields not in ``data`` take their defaults; the revision rises if anything changed. With
    ``expected_revisions``, a 412 problem unless the part exists at one of them.
    """
    found = _part_to_write(session, part_number, expected_revisions)
    values = data.model_dump()
    if found is None:
        return create_part(session, data=PartCreate(part_number=part_number, **values)), True
    _apply(session, found, values)
    session.flush()
    return found, False


def delete_part(
    session: Session, *, part_number: str, expected_revisions: Collection[int] | None = None
) -> None:
    """Delete a part with its own BOM lines, composition, sourcing and stock.

    A 409 problem naming the parents while another part's BOM still uses it; with
    ``expected_revisions``, a 412 problem unless the part is at one of them.
    """
    part = _part_to_write(session, part_number, expected_revisions)
    if part is None:
        raise Problem(404, "Not Found", f"no part with part number '{part_number}'")
    parent = aliased(Part)
    parents = session.scalars(
        select(parent.part_number)
        .join(BomLine, BomLine.parent_id == parent.id)
        .where(BomLine.child_id == part.id)
        .distinct()
        .order_by(parent.part_number)
    ).all()
    if parents:
        named = ", ".join(parents[:20]) + (f" and {len(parents) - 20} more" if len(parents) > 20 else "")
        raise Problem(
            409,
            "Conflict",
            f"part '{part_number}' is used in the BOM of {named}; remove it from those BOMs first",
            parents=list(parents),
        )
    session.delete(part)
    session.flush()


# --- BOM graph --------------------------------------------------------------------------------


class BomArrays(NamedTuple):
    """Every part and BOM line as arrays: what explosion and where-used compute on."""

    part_index: IndexMap[int]
    """Part id ↔ position 0..n-1."""
    graph: core_bom.BomGraph
    part_numbers: list[str]
    """Part number at each position, shape (n,)."""
    revisions: IntArray | None = None
    """Revision of the part at each position, shape (n,); read with the parts by load_bom_graph."""


def raw_rows(session: Session, statement: Select[*tuple[Any, ...]]) -> list[Any]:
    """Return the rows of ``statement`` as plain DB-API tuples (its values are written into the SQL).

    Skips SQLAlchemy's per-row result processing, which costs more than the query itself for the
    few hundred thousand narrow rows of a whole BOM or supply network. Runs on the session's
    connection, so it sees what the session has flushed.
    """
    connection = session.connection()
    sql = str(statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _load_parts_and_edges(
    session: Session,
) -> tuple[IntArray, list[str], npt.NDArray[np.float64], IntArray]:
    """Return part ids, their part numbers, BOM lines as rows of (parent_id, child_id, quantity)
    and the parts' revisions."""
    parts = raw_rows(session, select(Part.id, Part.part_number, Part.revision))
    ids = np.fromiter((row[0] for row in parts), dtype=np.int64, count=len(parts))
    part_numbers = [row[1] for row in parts]
    revisions = np.fromiter((row[2] for row in parts), dtype=np.int64, count=len(parts))
    edges = raw_rows(session, select(BomLine.parent_id, BomLine.child_id, BomLine.quantity))
    triplets = np.array(edges, dtype=np.float64).reshape(len(edges), 3)
    return ids, part_numbers, triplets, revisions


def _positions(ids: IntArray) -> IntArray:
    """Return a lookup array: ``lookup[part_id]`` is the part's position (-1 for no part)."""
    lookup = np.full(int(ids.max(initial=0)) + 1, -1, dtype=np.int64)
    lookup[ids] = np.arange(ids.size, dtype=np.int64)
    return lookup


def _build(
    ids: IntArray,
    part_numbers: list[str],
    triplets: npt.NDArray[np.float64],
    revisions: IntArray | None = None,
) -> BomArrays:
    lookup = _positions(ids)
    graph = core_bom.build_bom(
        ids.size,
        lookup[triplets[:, 0].astype(np.int64)],
        lookup[triplets[:, 1].astype(np.int64)],
        triplets[:, 2],
        labels=part_numbers,
    )
    return BomArrays(IndexMap(tuple(ids.tolist())), graph, part_numbers, revisions)


def load_bom_graph(session: Session) -> BomArrays:
    """Return every part and BOM line as (index map of part ids, BOM graph, part numbers).

    Reads two narrow column selects, no ORM objects: 100,000 parts take a small fraction of a
    second. Raises BomCycleError if the stored BOM has a cycle, which keten never writes.
    """
    return _build(*_load_parts_and_edges(session))


def _depth_below(graph: core_bom.BomGraph, root: int) -> IntArray:
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


def _details(session: Session, part_ids: Sequence[int]) -> dict[int, tuple[str, str, str]]:
    """Return (name, kind, unit) of each of a page's parts."""
    if not part_ids:
        return {}
    rows = session.execute(select(Part.id, Part.name, Part.kind, Part.unit).where(Part.id.in_(part_ids)))
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


def explode(
    session: Session, *, part_number: str, quantity: float = 1.0, limit: int, offset: int
) -> tuple[list[ExplosionItem], int]:
    """Return one page of every part in ``quantity`` units of a part, by part number, and their count.

    Each item holds the total quantity through all levels (a shared subassembly counts once per
    use) and the deepest level at which the part occurs below the exploded part.
    """
    part = get_part(session, part_number=part_number)
    arrays = load_bom_graph(session)
    root = arrays.part_index.index(part.id)
    totals = core_bom.explode(arrays.graph, root, quantity)
    depth = _depth_below(arrays.graph, root)
    inside = np.flatnonzero(depth > 0).tolist()
    inside.sort(key=arrays.part_numbers.__getitem__)
    page = inside[offset : offset + limit]
    details = _details(session, [arrays.part_index.key(i) for i in page])
    items = []
    for position in page:
        name, kind, unit = details[arrays.part_index.key(position)]
        items.append(
            ExplosionItem(
                part_number=arrays.part_numbers[position],
                name=name,
                kind=kind,
                unit=unit,
                total_quantity=float(totals[position]),
                level=int(depth[position]),
            )
        )
    return items, len(inside)


def where_used(
    session: Session, *, part_number: str, limit: int, offset: int
) -> tuple[list[WhereUsedItem], int]:
    """Return one page of the parts that contain a part at any level, direct parents first, and their count.

    Each item holds how many units of the part one unit of it contains, through every level.
    """
    part = get_part(session, part_number=part_number)
    arrays = load_bom_graph(session)
    graph = arrays.graph
    position = arrays.part_index.index(part.id)
    contained = core_bom.where_used(graph, position)
    direct = set(graph.edge_parent[graph.edge_child == position].tolist())
    users = [i for i in np.flatnonzero(contained > 0).tolist() if i != position]
    users.sort(key=lambda i: (i not in direct, arrays.part_numbers[i]))
    page = users[offset : offset + limit]
    details = _details(session, [arrays.part_index.key(i) for i in page])
    items = []
    for user in page:
        name, kind, _unit = details[arrays.part_index.key(user)]
        items.append(
            WhereUsedItem(
                part_number=arrays.part_numbers[user],
                name=name,
                kind=kind,
                quantity_per_unit=float(contained[user]),
                direct=user in direct,
            )
        )
    return items, len(users)


# --- BOM lines --------------------------------------------------------------------------------


def bom_children(session: Session, *, part_number: str) -> list[BomLineRead]:
    """Return the direct children of a part by position, each saying whether it has children itself."""
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


def _parts_by_number(session: Session, part_numbers: Iterable[str]) -> dict[str, Part]:
    wanted = sorted(set(part_numbers))
    found: dict[str, Part] = {}
    for start in range(0, len(wanted), 1000):
        chunk = wanted[start : start + 1000]
        found.update(
            (p.part_number, p) for p in session.scalars(select(Part).where(Part.part_number.in_(chunk)))
        )
    return found


def _line_error(number: int, field: str, message: str) -> dict[str, Any]:
    return {"line": number, "field": field, "message": message}


def replace_bom(session: Session, *, part_number: str, lines: Sequence[BomLineIn]) -> list[BomLineRead]:
    """Return the BOM of a part after making it exactly ``lines``.

    A line's ``unit``, when given, is converted to the child's unit. A 422 problem lists every bad
    line (unknown child, the part itself, a unit that does not fit, a child twice at one position);
    a 409 problem names the cycle the lines would make. Nothing is written in either case.
    """
    parent = get_part(session, part_number=part_number)
    children = _parts_by_number(session, (line.child for line in lines))
    errors: list[dict[str, Any]] = []
    wanted: dict[tuple[int, str], float] = {}
    for number, line in enumerate(lines, start=1):
        child = children.get(line.child)
        if child is None:
            errors.append(_line_error(number, "child", f"no part with part number '{line.child}'"))
            continue
        if child.id == parent.id:
            errors.append(_line_error(number, "child", f"part '{part_number}' cannot contain itself"))
            continue
        quantity = line.quantity
        if line.unit is not None:
            try:
                quantity = line.quantity * validators.parse_quantity(f"1 {line.unit}", child.unit)
            except ValueError as exc:
                errors.append(_line_error(number, "unit", f"{exc} (child '{line.child}')"))
                continue
        key = (child.id, line.position)
        if key in wanted:
            at = f"position '{line.position}'" if line.position else "no position"
            errors.append(_line_error(number, "position", f"child '{line.child}' at {at} appears twice"))
            continue
        wanted[key] = quantity
    if errors:
        raise Problem(
            422,
            "Invalid BOM",
            f"{len(errors)} of {len(lines)} lines of the BOM of '{part_number}' are invalid; see errors",
            errors=errors,
        )

    ids, part_numbers, triplets, _ = _load_parts_and_edges(session)
    others = triplets[triplets[:, 0] != parent.id]
    new = np.array([(parent.id, child_id, q) for (child_id, _), q in wanted.items()], dtype=np.float64)
    try:
        _build(ids, part_numbers, np.vstack([others, new.reshape(-1, 3)]))
    except BomCycleError as exc:
        raise Problem(409, "BOM cycle", str(exc), cycle=exc.cycle) from None

    current = {
        (child_id, position): quantity
        for child_id, position, quantity in session.execute(
            select(BomLine.child_id, BomLine.position, BomLine.quantity).where(BomLine.parent_id == parent.id)
        )
    }
    if current != dict(wanted):
        _touch(parent)
    session.execute(delete(BomLine).where(BomLine.parent_id == parent.id))
    session.add_all(
        BomLine(parent_id=parent.id, child_id=child_id, position=position, quantity=quantity)
        for (child_id, position), quantity in wanted.items()
    )
    session.flush()
    return bom_children(session, part_number=part_number)


# --- materials --------------------------------------------------------------------------------


def list_materials(
    session: Session, *, limit: int, offset: int, family: str | None = None, q: str | None = None
) -> tuple[list[Material], int]:
    """Return one page of materials by code, filtered, and how many match."""
    statement = select(Material).order_by(Material.code)
    if family:
        statement = statement.where(Material.family == family)
    if q:
        pattern = like_pattern(q)
        statement = statement.where(
            or_(Material.code.ilike(pattern, escape="\\"), Material.name.ilike(pattern, escape="\\"))
        )
    return list(session.scalars(statement.limit(limit).offset(offset))), count(session, statement)


def material_names(session: Session, *, codes: Sequence[str]) -> dict[str, str]:
    """Return the name of each material of ``codes`` that exists, by code."""
    if not codes:
        return {}
    rows = session.execute(select(Material.code, Material.name).where(Material.code.in_(list(codes))))
    return {code: name for code, name in rows}


def get_material(session: Session, *, code: str) -> Material:
    """Return the material with ``code``; a 404 problem if there is none."""
    found = session.scalars(select(Material).where(Material.code == code)).one_or_none()
    if found is None:
        raise Problem(404, "Not Found", f"no material with code '{code}'")
    return found


def create_material(session: Session, *, data: MaterialCreate) -> Material:
    """Return a new material made from ``data``; a 409 problem if the code is taken."""
    taken = f"a material with code '{data.code}' exists already"
    if session.scalar(select(exists().where(Material.code == data.code))):
        raise Problem(409, "Conflict", taken)
    material = Material(**data.model_dump())
    session.add(material)
    _flush_or_conflict(session, taken)
    return material


def update_material(session: Session, *, code: str, data: MaterialUpdate) -> Material:
    """Return the material after changing the fields set in ``data``."""
    material = get_material(session, code=code)
    for key, value in data.model_dump(exclude_unset=True).items():
        setattr(material, key, value)
    session.flush()
    return material


def delete_material(session: Session, *, code: str) -> None:
    """Delete a material; a 409 problem naming the parts made of it while there are any."""
    material = get_material(session, code=code)
    parts = session.scalars(
        select(Part.part_number)
        .join(PartMaterial, PartMaterial.part_id == Part.id)
        .where(PartMaterial.material_id == material.id)
        .order_by(Part.part_number)
    ).all()
    if parts:
        named = ", ".join(parts[:20]) + (f" and {len(parts) - 20} more" if len(parts) > 20 else "")
        raise Problem(
            409,
            "Conflict",
            f"material '{code}' is in the composition of {named}; remove it there first",
            parts=list(parts),
        )
    session.delete(material)
    session.flush()


# --- composition ------------------------------------------------------------------------------


def composition(session: Session, *, part_number: str) -> list[CompositionRead]:
    """Return the material composition of one unit of a part, heaviest first."""
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
        CompositionRead(
            material=r[0],
            name=r[1],
            family=r[2],
            mass_kg=r[3],
            mass_fraction=r[3] / part.mass_kg if part.mass_kg else None,
            recycled_share=r[4],
        )
        for r in rows
    ]


def replace_composition(
    session: Session, *, part_number: str, lines: Sequence[CompositionIn]
) -> list[CompositionRead]:
    """Return the composition of a part after making it exactly ``lines``.

    A ``mass_fraction`` becomes a mass through the part's mass. A 422 problem lists every bad line
    (unknown material, a material twice, a fraction of a part without mass) and refuses materials
    that weigh more than the part itself.
    """
    part = get_part(session, part_number=part_number)
    codes = sorted({line.material for line in lines})
    materials = {m.code: m for m in session.scalars(select(Material).where(Material.code.in_(codes)))}
    errors: list[dict[str, Any]] = []
    masses: dict[int, tuple[float, float]] = {}
    for number, line in enumerate(lines, start=1):
        material = materials.get(line.material)
        if material is None:
            errors.append(_line_error(number, "material", f"no material with code '{line.material}'"))
            continue
        if material.id in masses:
            errors.append(_line_error(number, "material", f"material '{line.material}' appears twice"))
            continue
        if line.mass_kg is not None:
            mass_kg = line.mass_kg
        elif part.mass_kg is None:
            errors.append(
                _line_error(
                    number, "mass_fraction", f"part '{part_number}' has no mass; give mass_kg instead"
                )
            )
            continue
        else:
            mass_kg = (line.mass_fraction or 0.0) * part.mass_kg
        masses[material.id] = (mass_kg, line.recycled_share)
    if errors:
        raise Problem(
            422,
            "Invalid composition",
            f"{len(errors)} of {len(lines)} lines of the composition of '{part_number}' are invalid; "
            "see errors",
            errors=errors,
        )
    total = sum(mass for mass, _ in masses.values())
    # A little slack for materials given in rounded grams that add up to just over the part's mass.
    if part.mass_kg is not None and total > part.mass_kg * 1.001 + 1e-12:
        raise Problem(
            422,
            "Invalid composition",
            f"the materials weigh {total:.6g} kg, more than the part '{part_number}' ({part.mass_kg:.6g} kg)",
        )
    current = {
        material_id: (mass, recycled)
        for material_id, mass, recycled in session.execute(
            select(PartMaterial.material_id, PartMaterial.mass_kg, PartMaterial.recycled_share).where(
                PartMaterial.part_id == part.id
            )
        )
    }
    if current != dict(masses):
        _touch(part)
    session.execute(delete(PartMaterial).where(PartMaterial.part_id == part.id))
    session.add_all(
        PartMaterial(part_id=part.id, material_id=material_id, mass_kg=mass, recycled_share=recycled)
        for material_id, (mass, recycled) in masses.items()
    )
    session.flush()
    return composition(session, part_number=part_number)


# --- stock ------------------------------------------------------------------------------------


def _stock_read(row: Any) -> StockRead:
    part_number, name, unit, on_hand, safety, usage = row
    return StockRead(
        part_number=part_number,
        name=name,
        unit=unit,
        on_hand=on_hand,
        safety_stock=safety,
        weekly_usage=usage,
        weeks_of_cover=on_hand / usage if usage else None,
        below_safety=on_hand < safety,
    )


def _stock_query() -> Select[*tuple[Any, ...]]:
    return (
        select(Part.part_number, Part.name, Part.unit, Stock.on_hand, Stock.safety_stock, Stock.weekly_usage)
        .join(Stock, Stock.part_id == Part.id)
        .order_by(Part.part_number)
    )


def list_stock(
    session: Session, *, limit: int, offset: int, below_safety: bool | None = None
) -> tuple[list[StockRead], int]:
    """Return one page of stock by part number and how many match, below safety stock or not if asked."""
    statement = _stock_query()
    if below_safety is not None:
        statement = statement.where(
            Stock.on_hand < Stock.safety_stock if below_safety else Stock.on_hand >= Stock.safety_stock
        )
    rows = session.execute(statement.limit(limit).offset(offset)).all()
    return [_stock_read(r) for r in rows], count(session, statement)


def get_stock(session: Session, *, part_number: str) -> StockRead:
    """Return the stock of a part; zero stock if none was ever recorded."""
    part = get_part(session, part_number=part_number)
    row = session.execute(_stock_query().where(Part.id == part.id)).one_or_none()
    if row is None:
        return _stock_read((part.part_number, part.name, part.unit, 0.0, 0.0, 0.0))
    return _stock_read(row)


def set_stock(session: Session, *, part_number: str, data: StockUpdate) -> StockRead:
    """Return the stock of a part after setting it to ``data``."""
    part = get_part(session, part_number=part_number)
    stock = session.scalars(select(Stock).where(Stock.part_id == part.id)).one_or_none()
    if stock is None:
        stock = Stock(part_id=part.id)
        session.add(stock)
    stock.on_hand, stock.safety_stock, stock.weekly_usage = data.on_hand, data.safety_stock, data.weekly_usage
    session.flush()
    return get_stock(session, part_number=part_number)
