"""Pydantic shapes of the footprints API."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from keten import ranges
from keten.timestamps import UtcDateTime

__all__ = [
    "ActivitiesLoad",
    "ActivitiesLoaded",
    "BreakdownBy",
    "FactorSetCreate",
    "FactorSetRead",
    "FootprintRead",
    "Hotspot",
    "MaterialChange",
    "PcfChange",
    "RecycledShareChange",
    "SiteElectricityChange",
    "WhatIfIn",
]

BreakdownBy = Literal["stage", "part", "supplier", "country", "material"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FactorSetRead(BaseModel):
    """A factor set and how many factors it holds."""

    name: str
    version: str
    source: str | None
    is_default: bool
    factors: int
    created_at: UtcDateTime


class ActivitiesLoad(_Strict):
    """An activities CSV: part_number, kind, code, site, amount, primary_share."""

    csv: str = Field(min_length=1, max_length=50_000_000, description="The CSV text, with its header row.")


class ActivitiesLoaded(BaseModel):
    """How many activity rows an activities CSV loaded."""

    rows: int


class FactorSetCreate(_Strict):
    """A user's factor set as CSV text (columns kind, code, unit, kg_co2e_per_unit, ...)."""

    name: str = Field(min_length=1, max_length=100)
    version: str = Field(min_length=1, max_length=32)
    csv: str = Field(min_length=1, description="CSV with kind, code, unit, kg_co2e_per_unit columns")
    is_default: bool = False


class FootprintRead(BaseModel):
    """A stored footprint per declared unit (one piece), kg CO2e, and what it was computed from."""

    id: int
    part_number: str
    factor_set: str | None
    factor_set_version: str
    input_revisions: str
    at: date
    computed_at: UtcDateTime
    total_kg_co2e: float
    fossil_kg_co2e: float
    biogenic_kg_co2e: float
    cradle_to_gate_kg_co2e: float
    by_stage: dict[str, float]
    primary_data_share: float | None
    data_quality_rating: float | None = Field(
        None, description="Emission-weighted quality, 1 best … 5 worst, of the factors over 5 % of the PCF"
    )
    data_quality_coverage: float | None = Field(None, description="Share of the emissions that rating covers")
    top_parts: list[dict[str, Any]]
    fallbacks: list[list[str]]


class Hotspot(BaseModel):
    """A part among the largest contributors."""

    part_number: str
    kg_co2e: float
    share: float
    stage: str


class MaterialChange(_Strict):
    """Replace one material by another, in some parts or everywhere."""

    old: str
    new: str
    parts: list[str] | None = None


class PcfChange(_Strict):
    """Give a part another supplier PCF (kg CO2e per unit), or none (null) so its own data counts."""

    part_number: str
    kg_co2e_per_unit: ranges.KgCo2ePerUnit | None


class SiteElectricityChange(_Strict):
    """Give a site's electricity another factor, such as a green power contract."""

    site: str
    kg_co2e_per_kwh: ranges.KgCo2ePerKwh


class RecycledShareChange(_Strict):
    """Change a part's recycled share of one material."""

    part_number: str
    material: str
    recycled_share: float = Field(ge=0, le=1)


class WhatIfIn(_Strict):
    """Changes to try; the footprint before and after is returned and nothing is stored."""

    material: MaterialChange | None = None
    supplier_pcf: PcfChange | None = None
    site_electricity: SiteElectricityChange | None = None
    recycled_share: RecycledShareChange | None = None
