"""The range of every number keten stores, wide enough for any real value chain and narrow enough
that no calculation on it overflows or allocates without bound.

The API schemas, the importer and the commands check against the same bounds; docs/import-format.md
lists them. The analyses still clamp a stored value that predates a bound (see keten.core.risk).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

__all__ = [
    "KG_CO2E_PER_KWH_MAX",
    "KG_CO2E_PER_UNIT_MAX",
    "LEAD_TIME_DAYS_MAX",
    "MASS_KG_MAX",
    "MINUTES_MAX",
    "PRICE_EUR_MAX",
    "QUANTITY_MAX",
    "REVENUE_EUR_MAX",
    "STOCK_MAX",
    "YEARS_MAX",
    "KgCo2ePerKwh",
    "KgCo2ePerUnit",
    "LeadTimeDays",
    "MassKg",
    "Minutes",
    "PriceEur",
    "Quantity",
    "RevenueEur",
    "StockAmount",
    "Years",
]

MASS_KG_MAX = 1e6
"""1,000 t per unit: above the heaviest machine a value chain ships (a wafer scanner is ~180 t)."""
QUANTITY_MAX = 1e9
"""Units of a child in one unit of its parent (mm of cable, g of solder, pieces)."""
PRICE_EUR_MAX = 1e9
"""Price per unit of measure of a sourced part."""
REVENUE_EUR_MAX = 1e10
"""Revenue per unit of a product."""
STOCK_MAX = 1e12
"""On hand, safety stock and weekly usage of a part, in its unit."""
LEAD_TIME_DAYS_MAX = 3650
"""Ten years: no replenishment is planned further ahead."""
KG_CO2E_PER_UNIT_MAX = 1e9
"""A footprint per unit: a million tonnes of CO2e for one unit is beyond any product."""
KG_CO2E_PER_KWH_MAX = 10.0
"""Electricity: the dirtiest grid emits about 1.2 kg CO2e per kWh."""
YEARS_MAX = 200.0
"""Lifetimes, warranties and availability of spare parts."""
MINUTES_MAX = 1e6
"""Time of one repair or disassembly step (about two years)."""

MassKg = Annotated[float, Field(ge=0, le=MASS_KG_MAX, allow_inf_nan=False)]
Quantity = Annotated[float, Field(gt=0, le=QUANTITY_MAX, allow_inf_nan=False)]
PriceEur = Annotated[float, Field(ge=0, le=PRICE_EUR_MAX, allow_inf_nan=False)]
RevenueEur = Annotated[float, Field(ge=0, le=REVENUE_EUR_MAX, allow_inf_nan=False)]
StockAmount = Annotated[float, Field(ge=0, le=STOCK_MAX, allow_inf_nan=False)]
LeadTimeDays = Annotated[int, Field(ge=0, le=LEAD_TIME_DAYS_MAX)]
KgCo2ePerUnit = Annotated[float, Field(ge=0, le=KG_CO2E_PER_UNIT_MAX, allow_inf_nan=False)]
KgCo2ePerKwh = Annotated[float, Field(ge=0, le=KG_CO2E_PER_KWH_MAX, allow_inf_nan=False)]
Years = Annotated[float, Field(ge=0, le=YEARS_MAX, allow_inf_nan=False)]
Minutes = Annotated[float, Field(ge=0, le=MINUTES_MAX, allow_inf_nan=False)]
