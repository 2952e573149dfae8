"""Tables of the connector: equipment, the samples of their signals, the sources' status and what
happened (resets, malformed payloads, lost connections)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from keten.db import Base
from keten.timestamps import utc_now

__all__ = [
    "AppResult",
    "ConnectorEvent",
    "ConnectorSource",
    "Equipment",
    "MachineOee",
    "OrderEnergy",
    "PartEnergy",
    "Sample",
]

_BIG_ID = BigInteger().with_variant(Integer(), "sqlite")


class Equipment(Base):
    """A piece of equipment as the last connector file described it."""

    __tablename__ = "connector_equipment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    site_code: Mapped[str] = mapped_column(String(50))
    source: Mapped[str] = mapped_column(String(100))
    energy_max_kwh: Mapped[float | None] = mapped_column(Float)
    reset_tolerance_kwh: Mapped[float] = mapped_column(Float, default=0.01)
    ideal_cycle_s: Mapped[float | None] = mapped_column(Float)
    signals: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The signals as configured (where each comes from), for the twin's technical data."""
    nameplate: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """The nameplate fields of the connector file (manufacturer, type, serial number, ...)."""
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class Sample(Base):
    """One reading of one signal: a number (kW, kWh, a state code, a count) or a text (order, part).

    ``signal`` is the position in keten.connector.config.SIGNALS; ``ts_ms`` milliseconds since the
    epoch (UTC), as integers so that a year of readings loads straight into arrays.
    """

    __tablename__ = "connector_samples"
    __table_args__ = (Index("ix_connector_samples_equipment_signal_ts", "equipment_id", "signal", "ts_ms"),)

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True)
    equipment_id: Mapped[int] = mapped_column(ForeignKey("connector_equipment.id", ondelete="CASCADE"))
    signal: Mapped[int] = mapped_column(SmallInteger)
    ts_ms: Mapped[int] = mapped_column(BigInteger)
    value: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str | None] = mapped_column(String(100))


class ConnectorSource(Base):
    """The status of one source as the connector process reading it last wrote it."""

    __tablename__ = "connector_sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    address: Mapped[str] = mapped_column(String(500))
    process: Mapped[str] = mapped_column(String(200))
    """host:pid of the connector reading it."""
    connected: Mapped[bool] = mapped_column(Boolean, default=False)
    last_message_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lag_s: Mapped[float | None] = mapped_column(Float)
    """Arrival time minus the sample's own time, over the last batch (largest)."""
    samples: Mapped[int] = mapped_column(BigInteger, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """{equipment: {signal: [value, ts_ms]}}."""
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class ConnectorEvent(Base):
    """Something the connector saw: a counter reset or rollover, a malformed payload, a lost or
    restored connection."""

    __tablename__ = "connector_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now, index=True)
    source: Mapped[str] = mapped_column(String(100))
    equipment_key: Mapped[str | None] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(Text)


class OrderEnergy(Base):
    """The energy one equipment used for one production order over a period, by state, as attributed
    under the stated rules (``rules``: state -> rule)."""

    __tablename__ = "connector_order_energy"
    __table_args__ = (Index("ix_connector_order_energy_period", "period_start", "period_end"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    equipment_id: Mapped[int] = mapped_column(ForeignKey("connector_equipment.id", ondelete="CASCADE"))
    order_id: Mapped[str | None] = mapped_column(String(100))
    """None for the energy no order carries (overhead)."""
    part_number: Mapped[str | None] = mapped_column(String(100))
    site_code: Mapped[str] = mapped_column(String(50))
    period_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    period_end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    running_kwh: Mapped[float] = mapped_column(Float)
    idle_kwh: Mapped[float] = mapped_column(Float)
    down_kwh: Mapped[float] = mapped_column(Float)
    setup_kwh: Mapped[float] = mapped_column(Float)
    good: Mapped[float] = mapped_column(Float)
    scrap: Mapped[float] = mapped_column(Float)
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class PartEnergy(Base):
    """Measured energy per good unit of a part at a site over a period: primary data for footprints."""

    __tablename__ = "connector_part_energy"
    __table_args__ = (Index("ix_connector_part_energy_part_site", "part_number", "site_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    part_number: Mapped[str] = mapped_column(String(100))
    site_code: Mapped[str] = mapped_column(String(50))
    period_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    period_end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    energy_kwh: Mapped[float] = mapped_column(Float)
    good_units: Mapped[float] = mapped_column(Float)
    kwh_per_unit: Mapped[float] = mapped_column(Float)
    in_footprints: Mapped[bool] = mapped_column(Boolean, default=False)
    """Whether it was handed to the footprint engine as the part's electricity at the site."""
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class MachineOee(Base):
    """Availability, performance, quality, OEE and output per hour of a machine (or, with no
    equipment, of a whole site) over a period: the productivity record for 2040."""

    __tablename__ = "connector_oee"
    __table_args__ = (Index("ix_connector_oee_site_period", "site_code", "period_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    equipment_id: Mapped[int | None] = mapped_column(ForeignKey("connector_equipment.id", ondelete="CASCADE"))
    site_code: Mapped[str] = mapped_column(String(50))
    period_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    period_end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    planned_s: Mapped[float] = mapped_column(Float)
    running_s: Mapped[float] = mapped_column(Float)
    good: Mapped[float] = mapped_column(Float)
    scrap: Mapped[float] = mapped_column(Float)
    availability: Mapped[float | None] = mapped_column(Float)
    performance: Mapped[float | None] = mapped_column(Float)
    quality: Mapped[float | None] = mapped_column(Float)
    oee: Mapped[float | None] = mapped_column(Float)
    good_per_hour: Mapped[float | None] = mapped_column(Float)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class AppResult(Base):
    """The latest value an app wrote back to an equipment's twin under a name of its own."""

    __tablename__ = "connector_app_results"
    __table_args__ = (UniqueConstraint("equipment_id", "app", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    equipment_id: Mapped[int] = mapped_column(ForeignKey("connector_equipment.id", ondelete="CASCADE"))
    app: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(100))
    value: Mapped[str] = mapped_column(String(2000))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
