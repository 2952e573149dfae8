"""Pydantic shapes of the resilience API."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from keten.timestamps import UtcDateTime

__all__ = [
    "NodeKind",
    "NodeRisk",
    "PartConcentration",
    "ReportCreate",
    "ReportRead",
    "ScenarioBase",
    "ScenarioCreate",
    "ScenarioRead",
    "ScenarioRun",
    "Source",
]

NodeKind = Literal["site", "supplier", "country", "material"]

NODE_PATTERN = r"^(site|supplier|country|material):.+$"
NodeRef = Annotated[str, StringConstraints(pattern=NODE_PATTERN, max_length=200)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Source(BaseModel):
    """One sourcing link of a part: the site, its organization and country, share and lead time."""

    site: str
    supplier: str
    country: str
    share: float
    alternate: bool = Field(description="A qualified alternate that takes no volume today.")
    lead_time_weeks: float


class PartConcentration(BaseModel):
    """How concentrated the sourcing of a bought part is, and what depends on it."""

    part_number: str
    name: str
    suppliers: int
    countries: int
    hhi_supplier: float = Field(description="Herfindahl-Hirschman index by supplier organization, 0..1.")
    hhi_country: float = Field(description="Herfindahl-Hirschman index by country, 0..1.")
    single_source: bool
    single_country: bool
    has_alternate: bool
    spend_eur_per_week: float
    revenue_eur_per_week: float = Field(description="Weekly revenue of the products that contain the part.")
    stock_weeks: float | None = Field(description="Weeks of usage the stock on hand covers.")
    sources: list[Source]


class NodeRisk(BaseModel):
    """A site, supplier, country or material failing for its time to recover (or a given outage)."""

    rank: int | None = None
    node: str = Field(description="kind:code, e.g. supplier:ACME, country:CN, material:Ga.")
    kind: NodeKind
    code: str
    name: str
    country: str | None
    ttr_weeks: float = Field(description="Time to recover: the longest lead time of its sourcing.")
    tts_weeks: float | None = Field(
        description="Time to survive: when the first product stops; None if none."
    )
    outage_weeks: float
    exposed: bool = Field(description="Time to survive is shorter than time to recover.")
    gap_weeks: float
    revenue_at_risk_eur: float
    parts_short: int
    products_stopped: list[str]


class ScenarioBase(_Strict):
    """Nodes unavailable from a date for a number of weeks."""

    nodes: list[NodeRef] = Field(
        min_length=1,
        max_length=100,
        description="site:CODE, supplier:CODE, country:CC or material:CODE; all fail at once.",
    )
    start: date = Field(description="First day the nodes are unavailable.")
    weeks: float = Field(gt=0, le=260, description="How long they stay unavailable.")
    horizon_weeks: int = Field(default=52, ge=1, le=260, description="Weeks the impact is followed.")


class ScenarioRun(ScenarioBase):
    """A scenario to compute now, nothing stored."""

    as_of: date | None = Field(default=None, description="Day week 0 begins; today if absent.")


class ScenarioCreate(ScenarioBase):
    """A scenario to keep under a name."""

    name: str = Field(min_length=1, max_length=200)


class ScenarioRead(BaseModel):
    """A saved scenario and the totals of its last run."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    nodes: list[str]
    start: date
    weeks: float
    horizon_weeks: int
    created_at: UtcDateTime
    created_by: str | None
    last_run_at: UtcDateTime | None
    last_as_of: date | None
    last_fingerprint: str | None
    last_revenue_lost_eur: float | None
    last_units_lost: float | None


class ReportCreate(_Strict):
    """Parameters of a risk assessment report."""

    title: str = Field(default="Supply-chain risk assessment", min_length=1, max_length=200)
    as_of: date | None = Field(default=None, description="Date of the assessment; today if absent.")
    weeks: float | None = Field(
        default=None, gt=0, le=260, description="Outage of every node; each node's time to recover if absent."
    )
    top: int = Field(default=10, ge=1, le=100, description="Critical nodes and single-source parts listed.")


class ReportRead(BaseModel):
    """An issued report: when, by whom, on which data (fingerprint) and with which inputs."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    as_of: date
    created_at: UtcDateTime
    created_by: str | None
    fingerprint: str
    inputs: dict[str, Any]
