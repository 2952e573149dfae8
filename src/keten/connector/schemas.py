"""Pydantic shapes of the connector API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from keten.timestamps import UtcDateTime

__all__ = [
    "EnergyCreate",
    "EnergyRead",
    "EquipmentRead",
    "EventRead",
    "OeeRead",
    "PartEnergyRead",
    "SeriesRead",
    "SourceRead",
]


class _Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class SourceRead(_Read):
    """One source as its connector process last reported it."""

    name: str
    kind: str = Field(description="opcua or mqtt")
    address: str
    process: str = Field(description="host:pid of the connector reading it")
    connected: bool = Field(description="Connected at its last report, and that report is recent.")
    last_message_at: UtcDateTime | None
    lag_s: float | None = Field(description="Arrival time minus the sample's own time, last sample.")
    report_age_s: float = Field(description="Seconds since the connector last reported.")
    samples: int
    errors: int
    last_error: str | None
    last_values: dict[str, dict[str, list[Any]]] = Field(
        description="{equipment: {signal: [value, ts_ms]}} of the last readings."
    )


class EventRead(_Read):
    """A counter reset or rollover, a malformed payload, a lost or restored connection."""

    at: UtcDateTime
    source: str
    equipment_key: str | None
    kind: str
    detail: str


class EquipmentRead(_Read):
    """A piece of equipment as the connector file describes it."""

    key: str
    name: str | None
    site_code: str
    source: str
    energy_max_kwh: float | None
    ideal_cycle_s: float | None
    signals: dict[str, Any]


class SeriesRead(BaseModel):
    """One signal of one equipment: times (ms since the epoch) and values or texts."""

    equipment: str
    signal: str
    ts_ms: list[int]
    values: list[float | None] | None
    texts: list[str | None] | None


ShareRule = Literal["current", "next", "runtime", "output", "none"]


class EnergyCreate(BaseModel):
    """A period to attribute, the rules for non-running energy, and whether to feed footprints."""

    model_config = ConfigDict(extra="forbid")

    start: datetime
    end: datetime
    site: str | None = None
    rules: dict[Literal["idle", "down", "setup"], ShareRule] = Field(
        default_factory=dict,
        description="State -> rule; default idle: runtime, setup: next, down: current.",
    )
    feed_footprints: bool = Field(
        default=False, description="Make each part's measured energy per unit its electricity at the site."
    )


class PartEnergyRead(_Read):
    """Measured energy per good unit of a part at a site over a period."""

    part_number: str
    site_code: str
    period_start: UtcDateTime
    period_end: UtcDateTime
    energy_kwh: float
    good_units: float
    kwh_per_unit: float
    in_footprints: bool


class OeeRead(BaseModel):
    """OEE of a machine, or of a site when ``equipment`` is null, over a period."""

    equipment: str | None
    site: str
    period_start: UtcDateTime | None = None
    period_end: UtcDateTime | None = None
    planned_s: float
    running_s: float
    good: float
    scrap: float
    availability: float | None
    performance: float | None
    quality: float | None
    oee: float | None
    good_per_hour: float | None


class EnergyRead(BaseModel):
    """What an attribution run computed."""

    orders: int
    energy_kwh: float
    unattributed_kwh: float
    parts: list[dict[str, Any]]
    oee: list[OeeRead]
    footprints: list[dict[str, Any]] | None = None
