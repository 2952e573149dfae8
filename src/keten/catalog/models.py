"""Tables of the catalog: parts, BOM lines, materials, material composition, stock."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from keten.db import Base
from keten.timestamps import utc_now

__all__ = ["PART_KINDS", "VALUE_CHAINS", "BomLine", "Material", "Part", "PartMaterial", "Stock"]

PART_KINDS = ("product", "assembly", "component", "material", "consumable")
VALUE_CHAINS = ("health", "sustainability", "digital", "defence", "existing")
MATERIAL_FAMILIES = (
    "metal",
    "polymer",
    "ceramic",
    "glass",
    "electronics",
    "composite",
    "fluid",
    "other",
)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Part(Base):
    """Anything with a part number: a product, an assembly, a component, a material, a consumable."""

    __tablename__ = "parts"
    __table_args__ = (
        CheckConstraint(_in("kind", PART_KINDS), name="kind"),
        CheckConstraint(f"value_chain IS NULL OR {_in('value_chain', VALUE_CHAINS)}", name="value_chain"),
        CheckConstraint("mass_kg IS NULL OR mass_kg >= 0", name="mass_nonnegative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    part_number: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), index=True)
    unit: Mapped[str] = mapped_column(String(16), default="pcs")
    """Unit of measure in which the part is counted, stocked and used in BOMs."""
    mass_kg: Mapped[float | None] = mapped_column(Float)
    """Mass of one unit of measure of the part."""
    category: Mapped[str | None] = mapped_column(String(64), index=True)
    hs_code: Mapped[str | None] = mapped_column(String(16))
    revenue_per_unit_eur: Mapped[float | None] = mapped_column(Float)
    value_chain: Mapped[str | None] = mapped_column(String(16))
    description: Mapped[str | None] = mapped_column(String(1000))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    """Raised on every change, so results can name the inputs they were computed from."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utc_now, onupdate=utc_now, index=True
    )
    """Indexed: the newest change is how a cached computation learns that parts changed."""


class BomLine(Base):
    """One line of a bill of materials: ``quantity`` of ``child`` (in the child's unit) per parent."""

    __tablename__ = "bom_lines"
    __table_args__ = (
        UniqueConstraint("parent_id", "child_id", "position"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("parent_id <> child_id", name="no_self_reference"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("parts.id", ondelete="CASCADE"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("parts.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[float] = mapped_column(Float)
    position: Mapped[str] = mapped_column(String(32), default="")


class Material(Base):
    """A material that parts are made of: a metal, a polymer, a ceramic, an element."""

    __tablename__ = "materials"
    __table_args__ = (CheckConstraint(_in("family", MATERIAL_FAMILIES), name="family"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    family: Mapped[str] = mapped_column(String(16), default="other")
    cas_number: Mapped[str | None] = mapped_column(String(32))


class PartMaterial(Base):
    """How much of a material one unit of a part contains, and how much of it is recycled."""

    __tablename__ = "part_materials"
    __table_args__ = (
        UniqueConstraint("part_id", "material_id"),
        CheckConstraint("mass_kg >= 0", name="mass_nonnegative"),
        CheckConstraint("recycled_share >= 0 AND recycled_share <= 1", name="recycled_share_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id", ondelete="CASCADE"), index=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("materials.id", ondelete="RESTRICT"), index=True)
    mass_kg: Mapped[float] = mapped_column(Float)
    recycled_share: Mapped[float] = mapped_column(Float, default=0.0)


class Stock(Base):
    """Stock of a part at the own company, in the part's unit of measure."""

    __tablename__ = "stock"
    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="on_hand_nonnegative"),
        CheckConstraint("safety_stock >= 0", name="safety_stock_nonnegative"),
        CheckConstraint("weekly_usage >= 0", name="weekly_usage_nonnegative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id", ondelete="CASCADE"), unique=True)
    on_hand: Mapped[float] = mapped_column(Float, default=0.0)
    safety_stock: Mapped[float] = mapped_column(Float, default=0.0)
    weekly_usage: Mapped[float] = mapped_column(Float, default=0.0)
