"""Tables of footprints: emission factor sets and factors, activity data, supplier PCFs, results."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from keten.db import Base
from keten.timestamps import utc_now

__all__ = [
    "ACTIVITY_KINDS",
    "FACTOR_KINDS",
    "Activity",
    "Factor",
    "FactorSet",
    "FootprintRun",
    "SupplierPcf",
    "UseProfile",
]

FACTOR_KINDS = ("material", "electricity", "freight", "gas", "spend", "category", "fuel", "grid_path")
"""``grid_path`` rows project a country's grid: code ``NL:2030``, the kg CO2e per kWh expected that
year; a use phase interpolates between the years of its installed base's countries."""
# Each kind of activity row names the factor kind it is multiplied with.
ACTIVITY_KINDS = {
    "electricity": "electricity",
    "fuel": "fuel",
    "gas": "gas",
    "transport": "freight",
    "spend": "spend",
    "category": "category",
    "end_of_life": "category",
}


class FactorSet(Base):
    """A named, versioned emission factor set; exactly one is the default calculations use."""

    __tablename__ = "factor_sets"
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(32))
    source: Mapped[str | None] = mapped_column(String(1000))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class Factor(Base):
    """kg CO2e per unit of activity; ``secondary`` is the recycled route of a material."""

    __tablename__ = "emission_factors"
    __table_args__ = (UniqueConstraint("factor_set_id", "kind", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    factor_set_id: Mapped[int] = mapped_column(ForeignKey("factor_sets.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(16))
    kg_co2e_per_unit: Mapped[float | None] = mapped_column(Float)
    secondary_kg_co2e_per_unit: Mapped[float | None] = mapped_column(Float)
    biogenic_kg_co2e_per_unit: Mapped[float] = mapped_column(Float, default=0.0)
    biogenic_carbon_kg_per_unit: Mapped[float | None] = mapped_column(Float)
    """kg of biogenic carbon in one unit of a material; None when not known."""
    quality: Mapped[float] = mapped_column(Float, default=3.0)
    source: Mapped[str | None] = mapped_column(String(1000))
    licence: Mapped[str | None] = mapped_column(String(64))


class Activity(Base):
    """One activity per unit of a part: kWh at a site, fuel, gas released, tonne-km by mode, ...

    ``code`` is the factor code within the kind the activity needs (a country for electricity,
    taken from the site when empty; a mode for transport; a gas for process emissions).
    """

    __tablename__ = "footprint_activities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    code: Mapped[str | None] = mapped_column(String(64))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    amount: Mapped[float] = mapped_column(Float)
    primary_share: Mapped[float] = mapped_column(Float, default=1.0)


class UseProfile(Base):
    """How a product is used at the customer: energy per year, lifetime, installed base by country."""

    __tablename__ = "footprint_use_profiles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id", ondelete="CASCADE"), unique=True)
    energy_kwh_per_year: Mapped[float] = mapped_column(Float)
    lifetime_years: Mapped[float] = mapped_column(Float)
    start_year: Mapped[int] = mapped_column(Integer)
    installed_base: Mapped[dict[str, Any]] = mapped_column(JSON)


class SupplierPcf(Base):
    """A supplier's own PCF of a part, held as primary data for its validity period."""

    __tablename__ = "supplier_pcfs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    kg_co2e_per_unit: Mapped[float] = mapped_column(Float)
    biogenic_kg_co2e_per_unit: Mapped[float] = mapped_column(Float, default=0.0)
    primary_data_share: Mapped[float | None] = mapped_column(Float)
    """0..1; None when the supplier gave none (it then counts as 0, and results say so)."""
    biogenic_carbon_kg_per_unit: Mapped[float | None] = mapped_column(Float)
    biogenic_uptake_kg_co2e_per_unit: Mapped[float | None] = mapped_column(Float)
    """The biogenic CO2 uptake of the carbon in the part (0 or less); None when not given."""
    quality: Mapped[float] = mapped_column(Float, default=2.0)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(String(1000))


class FootprintRun(Base):
    """A stored footprint and what it was computed from, so it can be reproduced and audited."""

    __tablename__ = "footprint_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id", ondelete="CASCADE"), index=True)
    factor_set_id: Mapped[int] = mapped_column(ForeignKey("factor_sets.id", ondelete="RESTRICT"))
    factor_set_version: Mapped[str] = mapped_column(String(32))
    input_revisions: Mapped[str] = mapped_column(String(64))
    at: Mapped[date] = mapped_column(Date)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    total_kg_co2e: Mapped[float] = mapped_column(Float)
    fossil_kg_co2e: Mapped[float] = mapped_column(Float)
    biogenic_kg_co2e: Mapped[float] = mapped_column(Float)
    biogenic_carbon_kg: Mapped[float | None] = mapped_column(Float)
    """Biogenic carbon in the product at the gate; None unless every input in it states its own."""
    biogenic_uptake_kg_co2e: Mapped[float | None] = mapped_column(Float)
    """Biogenic CO2 uptake of that carbon (0 or less); None when not known."""
    by_stage: Mapped[dict[str, Any]] = mapped_column(JSON)
    primary_data_share: Mapped[float | None] = mapped_column(Float)
    data_quality_rating: Mapped[float | None] = mapped_column(Float)
    """Emission-weighted quality, 1 best … 5 worst, of the factors that each bring over 5 %."""
    data_quality_coverage: Mapped[float | None] = mapped_column(Float)
    """Share of the cradle-to-gate emissions that ``data_quality_rating`` covers."""
    top_parts: Mapped[list[Any]] = mapped_column(JSON)
    fallbacks: Mapped[list[Any]] = mapped_column(JSON)
