"""The EU critical raw materials reference (data/crm) and the world supply shares of each material."""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

CRM_DIR = Path(__file__).resolve().parents[3] / "data" / "crm"


@dataclass(frozen=True)
class CrmMaterial:
    """One row of the EU 2023 critical raw materials list, with its main supplying countries."""

    code: str
    name: str
    strategic: bool
    supply_risk: float | None
    economic_importance: float | None
    members: tuple[str, ...]
    strategic_scope: str
    source: str
    licence: str


@dataclass(frozen=True)
class CrmData:
    """The list, the country shares per code and stage, and a hash of both files."""

    materials: dict[str, CrmMaterial]
    shares: dict[str, list[tuple[str, str, float]]]
    """code -> [(stage, country, share)]."""
    by_code: dict[str, str]
    """Upper-cased material or element code -> code of its list entry."""
    digest: str


def _number(text: str | None) -> float | None:
    text = (text or "").strip()
    return float(text) if text else None


@lru_cache(maxsize=4)
def _crm(directory: Path = CRM_DIR) -> CrmData:
    digest = hashlib.sha256()
    materials: dict[str, CrmMaterial] = {}
    by_code: dict[str, str] = {}
    path = directory / "crm_eu_2023.csv"
    digest.update(path.read_bytes())
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            members = tuple(m for m in (row["members"] or "").split(";") if m)
            entry = CrmMaterial(
                code=row["code"],
                name=row["material"],
                strategic=row["strategic"] == "yes",
                supply_risk=_number(row["supply_risk"]),
                economic_importance=_number(row["economic_importance"]),
                members=members,
                strategic_scope=row["strategic_scope"] or "",
                source=row["source"],
                licence=row["licence"],
            )
            materials[entry.code] = entry
            by_code[entry.code.upper()] = entry.code
            for member in members:
                by_code[member.upper()] = entry.code
    shares: dict[str, list[tuple[str, str, float]]] = {}
    path = directory / "crm_country_shares.csv"
    digest.update(path.read_bytes())
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            share = _number(row["share"])
            if share is not None:
                shares.setdefault(row["code"], []).append((row["stage"], row["country"], share))
    return CrmData(materials, shares, by_code, digest.hexdigest()[:16])


def crm_list() -> list[dict[str, Any]]:
    """Return the critical raw materials list with each entry's main supplying countries."""
    data = _crm()
    out: list[dict[str, Any]] = []
    for m in data.materials.values():
        countries: dict[str, float] = {}
        for code in (m.code, *m.members):
            for _stage, country, share in data.shares.get(code, []):
                countries[country] = max(countries.get(country, 0.0), share)
        out.append(
            {
                "code": m.code,
                "name": m.name,
                "strategic": m.strategic,
                "supply_risk": m.supply_risk,
                "economic_importance": m.economic_importance,
                "members": list(m.members),
                "strategic_scope": m.strategic_scope or None,
                "main_countries": [
                    {"country": c, "share": s} for c, s in sorted(countries.items(), key=lambda kv: -kv[1])
                ][:6],
                "source": m.source,
                "licence": m.licence,
            }
        )
    return out


def _material_shares(data: CrmData, code: str) -> dict[str, dict[str, float]]:
    """Return {stage: {country: share}} for a material code (its own rows, else its entry's)."""
    rows = data.shares.get(code) or data.shares.get(data.by_code.get(code.upper(), ""), [])
    if not rows:
        for known, found in data.shares.items():
            if known.upper() == code.upper():
                rows = found
                break
    out: dict[str, dict[str, float]] = {}
    for stage, country, share in rows:
        out.setdefault(stage, {})[country] = share
    return out
