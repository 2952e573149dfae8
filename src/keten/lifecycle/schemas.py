"""What the lifecycle's owner API takes and gives: a machine's timeline, and a product's circularity
with the assumptions it was computed under."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from keten.passports.schemas import MachineLifecycle

__all__ = ["CircularityAssumptions", "MaterialCircularityRead", "ProductCircularityRead", "TimelineRead"]

Share = Field(ge=0, le=1)


class CircularityAssumptions(BaseModel):
    """What the MCI needs beyond the product's own data: what happens after use, how efficient
    recycling is, and the industry's average lifetime (for the utility factor)."""

    collected_for_recycling: float = Field(
        0.0, ge=0, le=1, description="Share of the mass collected for recycling."
    )
    collected_for_reuse: float = Field(0.0, ge=0, le=1, description="Share of the mass collected for reuse.")
    recycling_efficiency: float = Field(
        1.0, ge=0, le=1, description="E_C: yield of recycling what is collected."
    )
    feedstock_efficiency: float = Field(
        1.0, gt=0, le=1, description="E_F: yield of the process that made the recycled input."
    )
    average_lifetime_years: float | None = Field(
        None, gt=0, le=200, description="Industry average lifetime; the product's own when not given."
    )


class MaterialCircularityRead(BaseModel):
    code: str
    family: str
    mass_kg: float
    recycled_share: float


class ProductCircularityRead(BaseModel):
    part_number: str
    mass_kg: float
    recycled_content_share: float
    """Mass-weighted recycled share of the input."""
    recoverable_kg: float
    """Mass collected for recycling or reuse after use (by the assumptions)."""
    lifetime_years: float | None
    utility_factor: float
    linear_flow_index: float
    mci: float
    assumptions: CircularityAssumptions
    materials: list[MaterialCircularityRead]


class TimelineRead(BaseModel):
    machine: str
    lifecycle: MachineLifecycle | None
    events: list[dict[str, Any]]
