"""A stored footprint as PACT declares it: its figures per piece, PACT decimal strings that add
up, the data quality scale of each version, and the v2 ProductFootprint (the exchange domain
builds v3 from the same figures)."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from keten.catalog.models import Part
from keten.core import footprint as fp
from keten.footprints.models import FactorSet, FootprintRun
from keten.problems import Problem

SIGNIFICANT_DIGITS = 6
"""Significant digits of the largest figure of a PACT footprint; its other figures get as many
decimal places, so that the totals sent are the exact sums of the components sent."""


def pact_decimal(value: float, places: int | None = None) -> str:
    """Return a PACT decimal string: rounded to ``places`` decimal places, or else to
    ``SIGNIFICANT_DIGITS`` significant digits; never an exponent, never ``-0``."""
    exact = Decimal(repr(float(value)))
    if places is None:
        places = decimal_places(float(value))
    rounded = exact.quantize(Decimal(1).scaleb(-places)) if places > 0 else exact.quantize(Decimal(1))
    if rounded == 0:
        rounded = abs(rounded)
    return format(rounded, "f")


def decimal_places(largest: float) -> int:
    """Return the decimal places that give ``largest`` ``SIGNIFICANT_DIGITS`` significant digits."""
    if largest == 0.0 or not math.isfinite(largest):
        return SIGNIFICANT_DIGITS - 1
    exponent = math.floor(math.log10(abs(largest)))
    return max(0, min(12, SIGNIFICANT_DIGITS - 1 - exponent))


def quality_of_dqr(dqr: float, version: str) -> float:
    """Return keten's 1 (best) … 5 (worst) rating of a PACT data quality rating: v3 rates on
    1..5 as keten does, v2 on 1..3 (mapped linearly)."""
    if version == "2":
        return max(1.0, min(5.0, 1.0 + 2.0 * (dqr - 1.0)))
    return max(1.0, min(5.0, dqr))


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class PactFigures:
    """A stored footprint's cradle-to-gate figures per piece, as PACT documents declare them.

    ``biogenic_kg_co2e`` holds the biogenic emissions in the footprint other than the product's
    CO2 uptake (PACT v3 ``biogenicNonCO2Emissions``, v2 ``otherBiogenicGhgEmissions``). The
    footprint excluding the uptake is their sum with ``fossil_kg_co2e``; including it adds
    ``biogenic_uptake_kg_co2e``. Carbon content and uptake are None when not known: PACT
    documents then leave them out where the version allows it.
    """

    mass_kg: float
    fossil_kg_co2e: float
    biogenic_kg_co2e: float
    primary_data_share: float | None
    """0..1, of the cradle-to-gate emissions."""
    rating: float | None
    """keten's 1 (best) … 5 (worst) emission-weighted data quality rating."""
    coverage: float | None
    biogenic_carbon_kg: float | None = None
    biogenic_uptake_kg_co2e: float | None = None

    def decimals(self, per: float = 1.0) -> dict[str, str]:
        """Return per ``per`` pieces, as PACT decimals with one number of decimal places:
        ``fossil``, ``biogenic``, ``total`` (their sum), and where known ``uptake``, ``including``
        (total plus uptake) and ``carbon``; so each total sent is the sum of the parts sent."""
        fossil = max(self.fossil_kg_co2e, 0.0) * per
        biogenic = max(self.biogenic_kg_co2e, 0.0) * per
        known = self.biogenic_uptake_kg_co2e
        uptake = None if known is None else min(known, 0.0) * per
        places = decimal_places(max(fossil + biogenic, fossil, biogenic, abs(uptake or 0.0)))
        f, b = Decimal(pact_decimal(fossil, places)), Decimal(pact_decimal(biogenic, places))
        out = {"fossil": format(f, "f"), "biogenic": format(b, "f"), "total": format(f + b, "f")}
        if uptake is not None:
            u = Decimal(pact_decimal(uptake, places))
            out |= {"uptake": format(u, "f"), "including": format(f + b + u, "f")}
        if self.biogenic_carbon_kg is not None:
            out["carbon"] = pact_decimal(max(self.biogenic_carbon_kg, 0.0) * per, places)
        return out


def figures(session: Session, run: FootprintRun, part_number: str) -> PactFigures:
    """Return a stored footprint's cradle-to-gate figures per piece; a 422 problem if the part
    has no mass (PACT documents declare it)."""
    part = session.scalars(select(Part).where(Part.id == run.part_id)).one()
    if not part.mass_kg or part.mass_kg <= 0:
        raise Problem(
            422,
            "Unprocessable Content",
            f"'{part_number}' has no mass; PACT declares a footprint per kilogram, so give the part its mass",
        )
    including = sum(v for k, v in run.by_stage.items() if k not in ("use", "end_of_life"))
    # Biogenic emissions enter through materials and supplier PCFs, all before the gate.
    biogenic = run.biogenic_kg_co2e
    return PactFigures(
        mass_kg=float(part.mass_kg),
        fossil_kg_co2e=including - biogenic,
        biogenic_kg_co2e=biogenic,
        primary_data_share=run.primary_data_share,
        rating=run.data_quality_rating,
        coverage=run.data_quality_coverage,
        biogenic_carbon_kg=run.biogenic_carbon_kg,
        biogenic_uptake_kg_co2e=run.biogenic_uptake_kg_co2e,
    )


def footprint_v2(
    session: Session, run: FootprintRun, *, part_number: str, company_name: str, company_id: str
) -> dict[str, Any]:
    """Return a stored footprint as a PACT Technical Specifications v2 ProductFootprint.

    PACT declares footprints per unit of a physical quantity, not per piece: the declared unit is
    the kilogram, ``unitaryProductAmount`` the part's mass, and every emission value is per kg.
    Cradle to gate only, as PACT requires, with fossil and biogenic kept apart. A part without a
    mass cannot be declared this way: a 422 problem says so.
    """
    part = session.scalars(select(Part).where(Part.id == run.part_id)).one()
    stated = figures(session, run, part_number)
    mass = stated.mass_kg
    per_kg = stated.decimals(1.0 / mass)
    factor_set = session.get(FactorSet, run.factor_set_id)
    period_start = datetime(run.at.year - 1, run.at.month, 1, tzinfo=UTC)
    period_end = datetime(run.at.year, run.at.month, 1, tzinfo=UTC)
    pcf: dict[str, Any] = {
        "declaredUnit": "kilogram",
        "unitaryProductAmount": pact_decimal(mass),
        "pCfExcludingBiogenic": per_kg["fossil"],
        "pCfIncludingBiogenic": per_kg.get("including", per_kg["total"]),
        "fossilGhgEmissions": per_kg["fossil"],
        "fossilCarbonContent": "0",
        # Mandatory in v2: 0 where the inputs do not state it (v3 leaves it out then).
        "biogenicCarbonContent": per_kg.get("carbon", "0"),
        "otherBiogenicGhgEmissions": per_kg["biogenic"],
        "characterizationFactors": "AR6",
        "ipccCharacterizationFactorsSources": ["AR6"],
        "crossSectoralStandardsUsed": ["GHG Protocol Product standard", "ISO Standard 14067"],
        "boundaryProcessesDescription": (
            "Cradle to gate: materials, purchased parts (supplier PCFs where held), own manufacturing "
            "energy, process emissions and inbound transport, rolled up over the bill of materials"
        ),
        "referencePeriodStart": _iso(period_start),
        "referencePeriodEnd": _iso(period_end),
        "secondaryEmissionFactorSources": [
            {"name": factor_set.name if factor_set else "unknown", "version": run.factor_set_version}
        ],
        "exemptedEmissionsPercent": 0,
        "exemptedEmissionsDescription": "",
        "packagingEmissionsIncluded": False,
    }
    if "uptake" in per_kg:
        # 2.2 writes a zero withdrawal as "0" only.
        pcf["biogenicCarbonWithdrawal"] = per_kg["uptake"] if Decimal(per_kg["uptake"]) else "0"
    if stated.primary_data_share is not None:
        pcf["primaryDataShare"] = round(100.0 * max(0.0, min(1.0, stated.primary_data_share)), 2)
    if stated.rating is not None and stated.coverage is not None:
        # keten keeps one rating per factor, so the five PACT dimensions carry the same value.
        dqr = round(fp.DataQuality(stated.rating, stated.coverage).pact_dqr, 2)
        pcf["dqi"] = {
            "coveragePercent": round(100.0 * stated.coverage, 2),
            "technologicalDQR": dqr,
            "temporalDQR": dqr,
            "geographicalDQR": dqr,
            "completenessDQR": dqr,
            "reliabilityDQR": dqr,
        }
    per_piece = stated.decimals()["total"]
    return {
        "id": _uuid_for(run),
        "specVersion": "2.3.0",
        "version": 1,
        "created": _iso(run.computed_at),
        "status": "Active",
        "companyName": company_name,
        "companyIds": [company_id],
        "productDescription": part.description or part.name,
        "productIds": [f"urn:pathfinder:product:customcode:vendor-assigned:{part.part_number}"],
        "productCategoryCpc": "4449",
        "productNameCompany": part.name,
        "comment": (
            f"Computed by keten with factor set {run.factor_set_version}; "
            f"input revisions {run.input_revisions[:16]}; {per_piece} kg CO2e per piece"
        ),
        "pcf": pcf,
    }


def _uuid_for(run: FootprintRun) -> str:
    """Return a stable UUID (version 5 style) of a stored run, so exports of it always match."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"keten:footprint:{run.id}:{run.input_revisions}"))
