"""Tables of resilience: saved disruption scenarios with their last run, and risk assessment reports."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from keten.db import Base
from keten.timestamps import utc_now

__all__ = ["RiskReport", "RiskScenario"]


class RiskScenario(Base):
    """A named disruption: nodes that fail from a date for a number of weeks, and what its last run found."""

    __tablename__ = "risk_scenarios"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    nodes: Mapped[list[Any]] = mapped_column(JSON)
    """Node references such as ``site:FAB-1``, ``supplier:ACME``, ``country:CN``, ``material:Ga``."""
    start: Mapped[date] = mapped_column(Date)
    weeks: Mapped[float] = mapped_column(Float)
    horizon_weeks: Mapped[int] = mapped_column(Integer, default=52)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    created_by: Mapped[str | None] = mapped_column(String(100))
    last_run_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_as_of: Mapped[date | None] = mapped_column(Date)
    last_fingerprint: Mapped[str | None] = mapped_column(String(64))
    last_revenue_lost_eur: Mapped[float | None] = mapped_column(Float)
    last_units_lost: Mapped[float | None] = mapped_column(Float)


class RiskReport(Base):
    """A supply-chain risk assessment as issued: its inputs, the data fingerprint and the HTML itself."""

    __tablename__ = "risk_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    as_of: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    created_by: Mapped[str | None] = mapped_column(String(100))
    fingerprint: Mapped[str] = mapped_column(String(64))
    """Hash of every table the report read (parts, BOM, sourcing, stock, composition, sites, CRM data)."""
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The parameters it was made with (outage weeks, scenarios, horizon), to make it again."""
    html: Mapped[str] = mapped_column(Text)
