"""Factories: plain functions that add one row with sensible defaults and return it, flushed.

Each takes the session first and any column as a keyword override. Rows that refer to others
take the referred objects (``make_bom_line(session, parent=p, child=c)``) and make them when left
out. The caller commits when an HTTP client must see the rows.
"""

from __future__ import annotations

from itertools import count
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from keten.catalog.models import BomLine, Material, Part, PartMaterial, Stock
from keten.partners.models import Organization, Site, Sourcing

__all__ = [
    "make_bom",
    "make_bom_line",
    "make_composition",
    "make_material",
    "make_org",
    "make_part",
    "make_site",
    "make_sourcing",
    "make_stock",
]

_serial = count(1)
T = TypeVar("T")


def _next() -> int:
    return next(_serial)


def _add(session: Session, row: T) -> T:
    session.add(row)
    session.flush()
    return row


def make_part(session: Session, **overrides: Any) -> Part:
    """Return a new component counted in pieces, unless ``overrides`` say otherwise."""
    n = _next()
    values: dict[str, Any] = {
        "part_number": f"PN-{n:05d}",
        "name": f"Part {n}",
        "kind": "component",
        "unit": "pcs",
        "revision": 1,
    }
    return _add(session, Part(**(values | overrides)))


def make_bom_line(
    session: Session, *, parent: Part | None = None, child: Part | None = None, **overrides: Any
) -> BomLine:
    """Return a BOM line of one ``child`` per ``parent`` (each made as an assembly/component if not given)."""
    parent = parent or make_part(session, kind="assembly")
    child = child or make_part(session)
    values: dict[str, Any] = {"quantity": 1.0, "position": ""}
    return _add(session, BomLine(parent_id=parent.id, child_id=child.id, **(values | overrides)))


def make_bom(session: Session, parent: Part, *children: tuple[Part, float]) -> list[BomLine]:
    """Return the BOM lines of ``parent``, one per (child, quantity), at positions 10, 20, ..."""
    return [
        make_bom_line(session, parent=parent, child=child, quantity=quantity, position=str(10 * (i + 1)))
        for i, (child, quantity) in enumerate(children)
    ]


def make_material(session: Session, **overrides: Any) -> Material:
    """Return a new metal."""
    n = _next()
    values: dict[str, Any] = {"code": f"MAT-{n:05d}", "name": f"Material {n}", "family": "metal"}
    return _add(session, Material(**(values | overrides)))


def make_composition(
    session: Session, *, part: Part | None = None, material: Material | None = None, **overrides: Any
) -> PartMaterial:
    """Return a composition line: 0.1 kg of ``material`` per unit of ``part``, none of it recycled."""
    part = part or make_part(session)
    material = material or make_material(session)
    values: dict[str, Any] = {"mass_kg": 0.1, "recycled_share": 0.0}
    return _add(session, PartMaterial(part_id=part.id, material_id=material.id, **(values | overrides)))


def make_stock(session: Session, *, part: Part | None = None, **overrides: Any) -> Stock:
    """Return the stock of ``part``: 100 on hand, 20 safety stock, 10 used a week."""
    part = part or make_part(session)
    values: dict[str, Any] = {"on_hand": 100.0, "safety_stock": 20.0, "weekly_usage": 10.0}
    return _add(session, Stock(part_id=part.id, **(values | overrides)))


def make_org(session: Session, **overrides: Any) -> Organization:
    """Return a new Dutch supplier."""
    n = _next()
    values: dict[str, Any] = {
        "code": f"ORG-{n:05d}",
        "name": f"Supplier {n} B.V.",
        "role": "supplier",
        "country": "NL",
    }
    return _add(session, Organization(**(values | overrides)))


def make_site(session: Session, *, organization: Organization | None = None, **overrides: Any) -> Site:
    """Return a new site of ``organization`` (a new supplier if not given), in its country."""
    organization = organization or make_org(session)
    n = _next()
    values: dict[str, Any] = {
        "code": f"SITE-{n:05d}",
        "name": f"Plant {n}",
        "country": organization.country or "NL",
        "city": "Eindhoven",
    }
    return _add(session, Site(organization_id=organization.id, **(values | overrides)))


def make_sourcing(
    session: Session, *, part: Part | None = None, site: Site | None = None, **overrides: Any
) -> Sourcing:
    """Return sourcing of all of ``part`` from ``site`` with a 30-day lead time."""
    part = part or make_part(session)
    site = site or make_site(session)
    values: dict[str, Any] = {
        "share": 1.0,
        "lead_time_days": 30,
        "price_eur": None,
        "qualified_alternate": False,
    }
    return _add(session, Sourcing(part_id=part.id, site_id=site.id, **(values | overrides)))
