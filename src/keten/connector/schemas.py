"""Pydantic shapes of the connector API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["EquipmentRead", "EventRead", "SeriesRead", "SourceRead"]


class _Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class SourceRead(_Read):
    """One source as its connector process last reported it."""

    name: str
    kind: str = Field(description="opcua or mqtt")
    address: str
    process: str = Field(description="host:pid of the connector reading it")
    connected: bool = Field(description="Connected at its last report, and that report is recent.")
    last_message_at: datetime | None
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

    at: datetime
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
