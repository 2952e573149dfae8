"""Pydantic shapes of the catalog in the JSON API: parts, BOM lines, explosion, materials, stock.

Families follow one pattern: ``XBase`` holds the fields a user sets, ``XCreate`` adds the natural
key, ``XUpdate`` makes every field optional for PATCH (only the fields sent are changed), and
``XRead`` is what the API returns. Input models refuse unknown fields, so a misspelt field is
reported instead of silently ignored.
"""

from __future__ import annotations

import re
from typing import Annotated, ClassVar, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from keten import validators
from keten.ranges import MassKg, Quantity, RevenueEur, StockAmount
from keten.timestamps import UtcDateTime

__all__ = [
    "BomLineIn",
    "BomLineRead",
    "CompositionIn",
    "CompositionRead",
    "ExplosionItem",
    "MaterialBase",
    "MaterialCreate",
    "MaterialFamily",
    "MaterialRead",
    "MaterialUpdate",
    "PartBase",
    "PartCreate",
    "PartKind",
    "PartRead",
    "PartUpdate",
    "StockRead",
    "StockUpdate",
    "ValueChain",
    "WhereUsedItem",
]

# The same values as the CHECK constraints in keten.catalog.models; a test keeps them equal.
PartKind = Literal["product", "assembly", "component", "material", "consumable"]
ValueChain = Literal["health", "sustainability", "digital", "defence", "existing"]
MaterialFamily = Literal["metal", "polymer", "ceramic", "glass", "electronics", "composite", "fluid", "other"]

PartNumber = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Share = Annotated[float, Field(ge=0, le=1)]


def _unit(value: str) -> str:
    return validators.canonical_unit(value)


def _hs_code(value: str) -> str:
    digits = re.sub(r"[\s.]", "", value)
    if not digits.isascii() or not digits.isdigit() or not 4 <= len(digits) <= 10:
        raise ValueError(f"'{value}' is not an HS or CN code; expected 4 to 10 digits")
    return digits


def _cas_number(value: str) -> str:
    cleaned = value.strip()
    match = re.fullmatch(r"(\d{2,7})-(\d{2})-(\d)", cleaned)
    if match is None:
        raise ValueError(f"'{value}' is not a CAS registry number; expected digits like 7440-00-8")
    body = match.group(1) + match.group(2)
    expected = sum(weight * int(d) for weight, d in enumerate(reversed(body), start=1)) % 10
    if int(match.group(3)) != expected:
        raise ValueError(
            f"'{value}' is not a valid CAS registry number: its check digit should be {expected}"
        )
    return cleaned


Unit = Annotated[str, StringConstraints(max_length=16), AfterValidator(_unit)]
HsCode = Annotated[str, AfterValidator(_hs_code)]
CasNumber = Annotated[str, AfterValidator(_cas_number)]
Category = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Description = Annotated[str, StringConstraints(max_length=1000)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Patch(_Input):
    """A PATCH body: fields left out stay as they are; ``null`` empties a field that may be empty."""

    _not_null: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _refuse_null_for_required(self) -> Self:
        emptied = sorted(f for f in self.model_fields_set & self._not_null if getattr(self, f) is None)
        if emptied:
            raise ValueError(f"{', '.join(emptied)} cannot be null; leave the field out to keep it")
        return self


# --- parts ------------------------------------------------------------------------------------


class PartBase(_Input):
    """Fields of a part that a user sets."""

    name: Name
    kind: PartKind
    unit: Unit = Field(
        default="pcs", description="Unit of measure the part is counted in: pcs, kg, g, m, mm, l, m^2, ..."
    )
    mass_kg: MassKg | None = Field(default=None, description="Mass of one unit of measure, in kg.")
    category: Category | None = Field(default=None, description="Part category, e.g. pcb, motor.")
    hs_code: HsCode | None = Field(default=None, description="HS or CN commodity code, 4 to 10 digits.")
    revenue_per_unit_eur: RevenueEur | None = None
    value_chain: ValueChain | None = Field(default=None, description="For products.")
    description: Description | None = None


class PartCreate(PartBase):
    """A new part; ``part_number`` is its natural key."""

    part_number: PartNumber


class PartUpdate(_Patch):
    """A change to a part: only the fields sent are changed."""

    _not_null = frozenset({"name", "kind", "unit"})

    name: Name | None = None
    kind: PartKind | None = None
    unit: Unit | None = None
    mass_kg: MassKg | None = None
    category: Category | None = None
    hs_code: HsCode | None = None
    revenue_per_unit_eur: RevenueEur | None = None
    value_chain: ValueChain | None = None
    description: Description | None = None


class PartRead(BaseModel):
    """A part as stored, with its revision, which rises by one whenever a field of the part changes."""

    model_config = ConfigDict(from_attributes=True)

    part_number: str
    name: str
    kind: str
    unit: str
    mass_kg: float | None
    category: str | None
    hs_code: str | None
    revenue_per_unit_eur: float | None
    value_chain: str | None
    description: str | None
    revision: int
    created_at: UtcDateTime
    updated_at: UtcDateTime


# --- BOM --------------------------------------------------------------------------------------


class BomLineIn(_Input):
    """One line of a parent's BOM: ``quantity`` of ``child`` per unit of the parent."""

    child: PartNumber = Field(description="Part number of the child.")
    quantity: Quantity = Field(description="In the child's unit, or in `unit` when given.")
    unit: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)] | None = (
        Field(
            default=None,
            description="Unit of `quantity` when not the child's own; converted to the child's unit.",
        )
    )
    position: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)] = Field(
        default="", description="Position or find number; a child may appear at several positions."
    )


class BomLineRead(BaseModel):
    """A direct child of a part, with what a tree needs to show and expand it."""

    child: str = Field(description="Part number of the child.")
    name: str
    kind: str
    unit: str = Field(description="The child's unit, in which `quantity` is given.")
    quantity: float
    position: str
    has_children: bool = Field(description="Whether the child has a BOM of its own, so a tree can open it.")


class ExplosionItem(BaseModel):
    """Total quantity of one part in the exploded product, and its deepest level below the product."""

    part_number: str
    name: str
    kind: str
    unit: str
    total_quantity: float = Field(
        description="In the part's unit, for the quantity of the product asked for."
    )
    level: int = Field(description="Longest path from the exploded part: 1 for its direct children.")


class WhereUsedItem(BaseModel):
    """A part that contains the part asked about: how much per unit of it, and whether directly."""

    part_number: str
    name: str
    kind: str
    quantity_per_unit: float = Field(
        description="Units of the part asked about in one unit of this part, through every level."
    )
    direct: bool = Field(description="This part has a BOM line with the part asked about.")


# --- materials and composition ----------------------------------------------------------------


class MaterialBase(_Input):
    """Fields of a material that a user sets."""

    name: Name
    family: MaterialFamily = "other"
    cas_number: CasNumber | None = Field(default=None, description="CAS registry number, e.g. 7440-00-8.")


class MaterialCreate(MaterialBase):
    """A new material; ``code`` is its natural key."""

    code: Code


class MaterialUpdate(_Patch):
    """A change to a material: only the fields sent are changed."""

    _not_null = frozenset({"name", "family"})

    name: Name | None = None
    family: MaterialFamily | None = None
    cas_number: CasNumber | None = None


class MaterialRead(BaseModel):
    """A material as stored."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    family: str
    cas_number: str | None


class CompositionIn(_Input):
    """How much of a material one unit of a part contains: a mass, or a share of the part's mass."""

    material: Code = Field(description="Material code.")
    mass_kg: MassKg | None = Field(default=None, description="Mass of the material in one unit of the part.")
    mass_fraction: Share | None = Field(
        default=None, description="Share of the part's mass, 0 to 1; needs the part's mass to be known."
    )
    recycled_share: Share = Field(default=0.0, description="Share of recycled (secondary) material, 0 to 1.")

    @model_validator(mode="after")
    def _mass_or_fraction(self) -> Self:
        if (self.mass_kg is None) == (self.mass_fraction is None):
            raise ValueError("give either mass_kg or mass_fraction, not both and not neither")
        return self


class CompositionRead(BaseModel):
    """A composition line with the material's name and family."""

    material: str
    name: str
    family: str
    mass_kg: float
    mass_fraction: float | None = Field(
        description="Share of the part's mass; null while the part's mass is unknown."
    )
    recycled_share: float


# --- stock ------------------------------------------------------------------------------------


class StockUpdate(_Input):
    """Stock of a part, in its unit of measure."""

    on_hand: StockAmount
    safety_stock: StockAmount = 0.0
    weekly_usage: StockAmount = 0.0


class StockRead(BaseModel):
    """Stock of a part, in its unit of measure, with how many weeks it lasts at the usual usage."""

    part_number: str
    name: str
    unit: str
    on_hand: float
    safety_stock: float
    weekly_usage: float
    weeks_of_cover: float | None = Field(description="on_hand / weekly_usage; null without usage.")
    below_safety: bool = Field(description="Less on hand than the safety stock.")
