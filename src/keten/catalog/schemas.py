"""Pydantic shapes of the catalog in the JSON API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from keten import validators

__all__ = [
    "BomLineIn",
    "BomLineRead",
    "CompositionIn",
    "CompositionRead",
    "ExplosionItem",
    "MaterialBase",
    "MaterialCreate",
    "MaterialRead",
    "MaterialUpdate",
    "PartBase",
    "PartCreate",
    "PartRead",
    "PartUpdate",
    "SourceRead",
    "StockRead",
    "StockUpdate",
    "WhereUsedItem",
]

PartKind = Annotated[str, Field(pattern="^(product|assembly|component|material|consumable)$")]
ValueChain = Annotated[str, Field(pattern="^(health|sustainability|digital|defence|existing)$")]
Family = Annotated[str, Field(pattern="^(metal|polymer|ceramic|glass|electronics|composite|fluid|other)$")]
NonNegative = Annotated[float, Field(ge=0)]


def _unit(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return validators.canonical_unit(value)
    except ValueError as exc:
        raise ValueError(str(exc)) from None


class PartBase(BaseModel):
    """Fields of a part that a user sets."""

    name: Annotated[str, Field(min_length=1, max_length=200)]
    kind: PartKind
    unit: str = "pcs"
    mass_kg: NonNegative | None = None
    category: Annotated[str, Field(max_length=64)] | None = None
    hs_code: Annotated[str, Field(pattern=r"^\d{4,10}$")] | None = None
    revenue_per_unit_eur: NonNegative | None = None
    value_chain: ValueChain | None = None
    description: Annotated[str, Field(max_length=1000)] | None = None

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, value: str) -> str:
        unit = _unit(value)
        assert unit is not None
        return unit


class PartCreate(PartBase):
    """A new part; ``part_number`` is its natural key."""

    part_number: Annotated[str, Field(min_length=1, max_length=64)]


class PartUpdate(BaseModel):
    """A change to a part: only the fields given are changed."""

    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    kind: PartKind | None = None
    unit: str | None = None
    mass_kg: NonNegative | None = None
    category: Annotated[str, Field(max_length=64)] | None = None
    hs_code: Annotated[str, Field(pattern=r"^\d{4,10}$")] | None = None
    revenue_per_unit_eur: NonNegative | None = None
    value_chain: ValueChain | None = None
    description: Annotated[str, Field(max_length=1000)] | None = None

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, value: str | None) -> str | None:
        return _unit(value)


class PartRead(PartCreate):
    """A part as stored, with its revision (raised on every change)."""

    model_config = ConfigDict(from_attributes=True)

    revision: int
    created_at: datetime
    updated_at: datetime


class BomLineIn(BaseModel):
    """One line of a parent's BOM: ``quantity`` of ``child`` in the child's unit (or in ``unit``)."""

    child: Annotated[str, Field(min_length=1, max_length=64)]
    quantity: Annotated[float, Field(gt=0)]
    unit: str | None = None
    position: Annotated[str, Field(max_length=32)] = ""


class BomLineRead(BaseModel):
    """A direct child of a part, with what a tree needs to show and expand it."""

    child: str
    name: str
    kind: str
    unit: str
    quantity: float
    position: str
    has_children: bool


class ExplosionItem(BaseModel):
    """Total quantity of one part in the exploded product, and its deepest level below the product."""

    part_number: str
    name: str
    kind: str
    unit: str
    total_quantity: float
    level: int


class WhereUsedItem(BaseModel):
    """A part that contains the part asked about: how much per unit of it, and whether directly."""

    part_number: str
    name: str
    kind: str
    quantity_per_unit: float
    direct: bool


class MaterialBase(BaseModel):
    """Fields of a material that a user sets."""

    name: Annotated[str, Field(min_length=1, max_length=200)]
    family: Family = "other"
    cas_number: Annotated[str, Field(pattern=r"^\d{2,7}-\d{2}-\d$")] | None = None


class MaterialCreate(MaterialBase):
    """A new material; ``code`` is its natural key."""

    code: Annotated[str, Field(min_length=1, max_length=64)]


class MaterialUpdate(BaseModel):
    """A change to a material: only the fields given are changed."""

    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    family: Family | None = None
    cas_number: Annotated[str, Field(pattern=r"^\d{2,7}-\d{2}-\d$")] | None = None


class MaterialRead(MaterialCreate):
    """A material as stored."""

    model_config = ConfigDict(from_attributes=True)


class CompositionIn(BaseModel):
    """How much of a material one unit of a part contains."""

    material: Annotated[str, Field(min_length=1, max_length=64)]
    mass_kg: NonNegative
    recycled_share: Annotated[float, Field(ge=0, le=1)] = 0.0


class CompositionRead(CompositionIn):
    """A composition line with the material's name and family."""

    name: str
    family: str


class SourceRead(BaseModel):
    """A supplier site that supplies a part."""

    site: str
    site_name: str
    organization: str
    organization_name: str
    country: str
    share: float
    lead_time_days: int
    price_eur: float | None
    qualified_alternate: bool


class StockUpdate(BaseModel):
    """Stock of a part, in its unit of measure."""

    on_hand: NonNegative
    safety_stock: NonNegative = 0.0
    weekly_usage: NonNegative = 0.0


class StockRead(StockUpdate):
    """Stock of a part."""

    part_number: str
