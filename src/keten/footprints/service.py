"""Footprints over keten's data: factor sets, the arrays the engine needs, stored and what-if results.

The database is read in a few narrow column queries into arrays (:class:`Loaded`), the engine
(:mod:`keten.core.footprint`) computes on them, and a calculation stores a :class:`FootprintRun`
that records the factor set version and a hash of every input it read, so the same inputs give
the same figures again and an auditor can tell when they no longer match.

Factor codes inside the engine are ``kind:code`` (``material:AL``, ``electricity:NL``,
``freight:road_hgv``, ``gas:SF6``). A material's recycled route is ``material-secondary:CODE``;
where the set holds no secondary value it falls back to the primary factor, and every result
lists the fallbacks it used.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import delete, event, func, select
from sqlalchemy.orm import Session

from keten import ranges
from keten.catalog.models import Material, Part, PartMaterial
from keten.catalog.service import BomArrays, load_bom_graph, raw_rows
from keten.core import footprint as fp
from keten.core.bom import build_bom
from keten.core.errors import CoreError
from keten.core.indexing import positions_of
from keten.footprints import pact
from keten.footprints.models import (
    ACTIVITY_KINDS,
    FACTOR_KINDS,
    Activity,
    Factor,
    FactorSet,
    FootprintRun,
    SupplierPcf,
    UseProfile,
)
from keten.footprints.pact import PactFigures as PactFigures
from keten.footprints.pact import decimal_places as decimal_places
from keten.footprints.pact import pact_decimal as pact_decimal
from keten.footprints.pact import quality_of_dqr as quality_of_dqr
from keten.partners.models import Organization, Site, Sourcing
from keten.problems import Problem

__all__ = [
    "BREAKDOWNS",
    "FACTORS_DIR",
    "REFERENCE_SET",
    "Loaded",
    "breakdown",
    "calculate",
    "factor_sets",
    "hotspots",
    "idta_submodel",
    "latest",
    "load",
    "load_factor_csv",
    "load_reference_factors",
    "monte_carlo",
    "pact_footprint",
    "record_measured_electricity",
    "reproduce",
    "what_if",
]

FACTORS_DIR = Path(__file__).resolve().parents[3] / "data" / "factors"
REFERENCE_SET = "keten-reference"
BREAKDOWNS = ("stage", "part", "supplier", "country", "material")
TOP_PARTS = 50
IN_HOUSE = "in-house"

_STAGE_OF_KIND = {
    "electricity": fp.Stage.MANUFACTURING_ENERGY,
    "fuel": fp.Stage.MANUFACTURING_ENERGY,
    "gas": fp.Stage.PROCESS_EMISSIONS,
    "transport": fp.Stage.TRANSPORT,
    "spend": fp.Stage.PURCHASED_PARTS,
    "category": fp.Stage.PURCHASED_PARTS,
    "end_of_life": fp.Stage.END_OF_LIFE,
}

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


# --- factor sets ------------------------------------------------------------------------------


def _float_or_none(text: str | None) -> float | None:
    text = (text or "").strip()
    return float(text) if text else None


def _reference_rows(directory: Path) -> list[dict[str, Any]]:
    """Return the shipped reference data as factor rows (kind, code, unit, values, source, licence)."""
    rows: list[dict[str, Any]] = []

    def read(name: str) -> list[dict[str, str]]:
        with (directory / name).open(newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))

    for r in read("materials.csv"):
        rows.append(
            {
                "kind": "material",
                "code": r["material_code"].upper(),
                "unit": r["unit"],
                "kg_co2e_per_unit": _float_or_none(r["kg_co2e_per_unit_primary"]),
                "secondary_kg_co2e_per_unit": _float_or_none(r["kg_co2e_per_unit_secondary"]),
                "quality": 3.0,
                "source": r["source"],
                "licence": r["licence"],
            }
        )
    latest: dict[str, dict[str, str]] = {}
    for r in read("grid_electricity.csv"):
        held = latest.get(r["country"])
        if held is None or int(r["year"]) > int(held["year"]):
            latest[r["country"]] = r
    for country, r in sorted(latest.items()):
        rows.append(
            {
                "kind": "electricity",
                "code": country,
                "unit": "kWh",
                "kg_co2e_per_unit": _float_or_none(r["kg_co2e_per_kwh"]),
                "quality": 2.0,
                "source": f"{r['source']} ({r['year']})",
                "licence": r["licence"],
            }
        )
    for r in read("freight.csv"):
        rows.append(
            {
                "kind": "freight",
                "code": r["mode"],
                "unit": "t*km",
                "kg_co2e_per_unit": _float_or_none(r["kg_co2e_per_tonne_km"]),
                "quality": 3.0,
                "source": r["source"],
                "licence": r["licence"],
            }
        )
    for r in read("spend.csv"):
        # Spend-based factors are sector averages, so they rate below a material factor.
        rows.append(
            {
                "kind": "spend",
                "code": r["naics_code"],
                "unit": r["unit"],
                "kg_co2e_per_unit": _float_or_none(r["kg_co2e_per_usd"]),
                "quality": 4.0,
                "source": r["source"],
                "licence": r["licence"],
            }
        )
    gases = read("gwp_ar6.csv")
    formulas: dict[str, int] = {}
    for r in gases:
        formulas[r["formula"]] = formulas.get(r["formula"], 0) + 1
    names = {r["gas"] for r in gases}
    for r in gases:
        # A gas is found by its name (SF6, PFC-14) and, where unambiguous, by its formula (CF4).
        codes = [r["gas"]]
        if formulas[r["formula"]] == 1 and r["formula"] not in names:
            codes.append(r["formula"])
        for code in codes:
            rows.append(
                {
                    "kind": "gas",
                    "code": code[:64],
                    "unit": "kg",
                    "kg_co2e_per_unit": _float_or_none(r["gwp100"]),
                    "quality": 1.0,
                    "source": r["source"],
                    "licence": r["licence"],
                }
            )
    return rows


def _content_version(rows: Sequence[dict[str, Any]]) -> str:
    digest = hashlib.sha256(json.dumps(list(rows), sort_keys=True, default=str).encode()).hexdigest()
    return digest[:12]


def _store_set(
    session: Session,
    *,
    name: str,
    version: str,
    source: str | None,
    rows: Sequence[dict[str, Any]],
    make_default: bool,
) -> FactorSet:
    """Return the factor set ``name``/``version``, creating it with ``rows`` if it is new."""
    found = session.scalars(
        select(FactorSet).where(FactorSet.name == name, FactorSet.version == version)
    ).one_or_none()
    if found is None:
        found = FactorSet(name=name, version=version, source=source, is_default=False)
        session.add(found)
        session.flush()
        seen: set[tuple[str, str]] = set()
        for row in rows:
            key = (row["kind"], row["code"])
            if key in seen:
                continue
            seen.add(key)
            session.add(Factor(factor_set_id=found.id, **row))
        session.flush()
    if make_default and not found.is_default:
        for other in session.scalars(select(FactorSet).where(FactorSet.is_default.is_(True))):
            other.is_default = False
        session.flush()
        found.is_default = True
        session.flush()
    return found


def load_reference_factors(session: Session, directory: Path = FACTORS_DIR) -> FactorSet:
    """Load the shipped reference data as the default factor set; loading it again changes nothing.

    The version is a hash of the data, so an updated data/factors makes a new version and the
    results computed with the old one still name what they used.
    """
    rows = _reference_rows(directory)
    default_exists = session.scalar(select(func.count()).where(FactorSet.is_default.is_(True)))
    version = _content_version(rows)
    exists = session.scalar(
        select(func.count()).where(FactorSet.name == REFERENCE_SET, FactorSet.version == version)
    )
    return _store_set(
        session,
        name=REFERENCE_SET,
        version=version,
        source="data/factors (see SOURCES.md): IPCC AR6, Ember, DESNZ, Nuss & Eckelman 2014, US EPA",
        rows=rows,
        make_default=not default_exists or not exists,
    )


def read_csv_text(text: str, *, source: str) -> tuple[list[str], list[dict[str, str]]]:
    """The header and rows of CSV text sent by a user; a 422 problem names the line a CSV error is on.

    Any line ending (``\\n``, ``\\r\\n``, a lone ``\\r``) ends a row, and a byte-order mark is dropped.
    Quoting is read strictly: an unclosed quote or text after a closing quote is an error, not a row
    that silently swallows the lines after it.
    """
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""), strict=True)
    try:
        fieldnames = list(reader.fieldnames or [])
        rows = list(reader)
    except csv.Error as exc:
        raise Problem(
            422, "Unprocessable Content", f"{source}, line {reader.line_num}: not readable as CSV ({exc})"
        ) from exc
    return fieldnames, rows


FACTOR_CSV_COLUMNS = ("kind", "code", "unit", "kg_co2e_per_unit")


_GRID_PATH_CODE = re.compile(r"[A-Z]{2}:\d{4}")


def grid_paths(loaded: Loaded) -> dict[str, fp.GridPath]:
    """Return each country's projected grid intensity from the factor set's ``grid_path`` rows."""
    points: dict[str, list[tuple[int, float]]] = {}
    for kind, code, value, *_ in loaded.factor_rows:
        if kind == "grid_path" and value is not None:
            country, _, year = code.partition(":")
            points.setdefault(country, []).append((int(year), float(value)))
    paths = {}
    for country, pairs in points.items():
        pairs.sort()
        paths[country] = fp.GridPath.of([y for y, _ in pairs], [v for _, v in pairs])
    return paths


def load_factor_csv(
    session: Session, text: str, *, name: str, version: str, make_default: bool = False
) -> FactorSet:
    """Load a user's factor set from CSV text; a 422 problem lists every bad row.

    Columns: kind, code, unit, kg_co2e_per_unit, and optionally secondary_kg_co2e_per_unit,
    biogenic_kg_co2e_per_unit, biogenic_carbon_kg_per_unit (kg of biogenic carbon in a unit of a
    material; empty when not known), quality (1..5), source, licence.
    """
    fieldnames, records = read_csv_text(text, source="factor CSV")
    absent = [c for c in FACTOR_CSV_COLUMNS if c not in fieldnames]
    if absent:
        raise Problem(422, "Unprocessable Content", f"factor CSV lacks the column(s) {', '.join(absent)}")
    rows: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for number, r in enumerate(records, start=2):
        kind, code = (r.get("kind") or "").strip(), (r.get("code") or "").strip()
        if kind not in FACTOR_KINDS:
            errors.append({"row": number, "column": "kind", "message": f"one of {', '.join(FACTOR_KINDS)}"})
            continue
        if not code:
            errors.append({"row": number, "column": "code", "message": "a code is required"})
            continue
        if kind == "grid_path" and not _GRID_PATH_CODE.fullmatch(code):
            errors.append(
                {
                    "row": number,
                    "column": "code",
                    "message": f"a country and a year such as NL:2030, not {code!r}",
                }
            )
            continue
        try:
            quality = _float_or_none(r.get("quality")) or 3.0
            carbon = _float_or_none(r.get("biogenic_carbon_kg_per_unit"))
            row = {
                "kind": kind,
                "code": code.upper() if kind == "material" else code,
                "unit": (r.get("unit") or "").strip() or "kg",
                "kg_co2e_per_unit": _float_or_none(r.get("kg_co2e_per_unit")),
                "secondary_kg_co2e_per_unit": _float_or_none(r.get("secondary_kg_co2e_per_unit")),
                "biogenic_kg_co2e_per_unit": _float_or_none(r.get("biogenic_kg_co2e_per_unit")) or 0.0,
                "biogenic_carbon_kg_per_unit": carbon,
                "quality": quality,
                "source": (r.get("source") or "").strip() or None,
                "licence": (r.get("licence") or "").strip() or None,
            }
        except ValueError as exc:
            errors.append({"row": number, "message": f"not a number: {exc}"})
            continue
        if not 1.0 <= quality <= 5.0:
            errors.append({"row": number, "column": "quality", "message": "a rating from 1 to 5"})
            continue
        if carbon is not None and carbon < 0.0:
            errors.append(
                {"row": number, "column": "biogenic_carbon_kg_per_unit", "message": "a mass of at least 0"}
            )
        out_of_range = [
            column
            for column in ("kg_co2e_per_unit", "secondary_kg_co2e_per_unit", "biogenic_kg_co2e_per_unit")
            if isinstance(value := row[column], float) and not abs(value) <= ranges.KG_CO2E_PER_UNIT_MAX
        ]
        if out_of_range:
            limit = f"a number of at most {ranges.KG_CO2E_PER_UNIT_MAX:g} either way"
            errors.append({"row": number, "column": out_of_range[0], "message": limit})
            continue
        rows.append(row)
    if errors:
        raise Problem(422, "Unprocessable Content", f"{len(errors)} factor row(s) are invalid", errors=errors)
    exists = session.scalar(select(func.count()).where(FactorSet.name == name, FactorSet.version == version))
    if exists:
        raise Problem(409, "Conflict", f"factor set {name!r} version {version!r} exists already")
    return _store_set(session, name=name, version=version, source=None, rows=rows, make_default=make_default)


def factor_sets(session: Session) -> list[tuple[FactorSet, int]]:
    """Return every factor set with its number of factors, newest first."""
    counts = select(Factor.factor_set_id, func.count().label("n")).group_by(Factor.factor_set_id).subquery()
    statement = (
        select(FactorSet, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.factor_set_id == FactorSet.id)
        .order_by(FactorSet.id.desc())
    )
    return [(s, int(n)) for s, n in session.execute(statement).all()]


def _factor_set(session: Session, name: str | None) -> FactorSet:
    """Return the named factor set (its newest version), or the default one."""
    if name is None:
        found = session.scalars(select(FactorSet).where(FactorSet.is_default.is_(True))).first()
        if found is None:
            found = load_reference_factors(session)
        return found
    named, _, version = name.partition("@")
    statement = select(FactorSet).where(FactorSet.name == named)
    if version:
        statement = statement.where(FactorSet.version == version)
    chosen = session.scalars(statement.order_by(FactorSet.id.desc())).first()
    if chosen is None:
        raise Problem(404, "Not Found", f"no factor set {name!r}")
    return chosen


# --- loading the arrays -----------------------------------------------------------------------


@dataclass(frozen=True)
class Loaded:
    """Everything one factor set and the stored data give the engine, plus what breakdowns need."""

    bom: BomArrays
    factor_set_id: int
    factor_set_name: str
    factor_set_version: str
    factor_rows: tuple[tuple[str, str, float | None, float | None, float, float], ...]
    """(kind, code, primary, secondary, biogenic, quality) per factor."""
    material_codes: tuple[str, ...]
    comp_part: IntArray
    comp_material: IntArray
    comp_mass: FloatArray
    comp_recycled: FloatArray
    act_part: IntArray
    act_kind: tuple[str, ...]
    act_code: tuple[str, ...]
    act_site: tuple[str | None, ...]
    act_text_hash: npt.NDArray[np.uint64]
    """A 64-bit digest of each activity row's (kind, code, site), so input hashes skip the strings."""
    act_amount: FloatArray
    act_primary: FloatArray
    pcf_part: IntArray
    pcf_value: FloatArray
    pcf_biogenic: FloatArray
    pcf_share: FloatArray
    pcf_share_unknown: npt.NDArray[np.bool_]
    """True where a held PCF gave no primary data share: it counts as 0 and the result says so."""
    pcf_quality: FloatArray
    pcf_carbon: FloatArray
    """Biogenic carbon kg per unit of each held PCF; NaN where it does not say (also pcf_uptake)."""
    pcf_uptake: FloatArray
    material_carbon: FloatArray
    """Biogenic carbon kg per kg of each material of ``material_codes``; NaN where not known."""
    src_part: IntArray
    src_share: FloatArray
    src_site: IntArray
    """Position of each sourcing row's site in ``site_supplier`` and ``site_country``."""
    site_supplier: tuple[str, ...]
    site_country: tuple[str, ...]
    revisions: IntArray
    part_ids: IntArray
    inputs: fp.FootprintInputs
    model: fp.FootprintModel

    def position(self, part_number: str) -> int:
        """Return the part's position; a 404 problem if there is none."""
        try:
            return self.bom.part_numbers.index(part_number)
        except ValueError:
            raise Problem(404, "Not Found", f"no part with part number '{part_number}'") from None


_Pcf = tuple[int, float, float, float | None, float, float | None, float | None]
"""(part_id, kg, biogenic, share, quality, biogenic carbon kg, uptake kg CO2e); None: not known."""


def _material_carbon(session: Session, factor_set_id: int, codes: Sequence[str]) -> FloatArray:
    """Return the biogenic carbon kg per kg of each material in ``codes`` (NaN: not known)."""
    known = dict(
        session.execute(
            select(Factor.code, Factor.biogenic_carbon_kg_per_unit).where(
                Factor.factor_set_id == factor_set_id,
                Factor.kind == "material",
                Factor.biogenic_carbon_kg_per_unit.is_not(None),
            )
        ).all()
    )
    return np.array([known.get(code.upper(), math.nan) for code in codes], dtype=np.float64)


def _pcfs_valid(session: Session, at: date) -> list[_Pcf]:
    """Return (part_id, kg, biogenic, share, quality, carbon, uptake) of the supplier PCFs valid at
    ``at``; None where a PCF does not say.

    Each supplier's latest valid PCF of a part counts. A part bought from several suppliers that
    each gave one gets their mix, weighted by the sourcing shares of those suppliers (renormalised
    over them); when none of them has a sourcing share, the latest PCF stands alone. The mix's
    primary data share is weighted by emissions, and is unknown (None) if any PCF in it has none.
    """
    rows = session.execute(
        select(
            SupplierPcf.part_id,
            SupplierPcf.organization_id,
            SupplierPcf.kg_co2e_per_unit,
            SupplierPcf.biogenic_kg_co2e_per_unit,
            SupplierPcf.primary_data_share,
            SupplierPcf.quality,
            SupplierPcf.biogenic_carbon_kg_per_unit,
            SupplierPcf.biogenic_uptake_kg_co2e_per_unit,
        )
        .where((SupplierPcf.valid_from.is_(None)) | (SupplierPcf.valid_from <= at))
        .where((SupplierPcf.valid_to.is_(None)) | (SupplierPcf.valid_to >= at))
        .order_by(SupplierPcf.part_id, SupplierPcf.valid_from.desc(), SupplierPcf.id.desc())
    ).all()
    by_part: dict[int, dict[int | None, Any]] = {}
    for row in rows:
        by_part.setdefault(row[0], {}).setdefault(row[1], row)
    several = [part for part, held in by_part.items() if len(held) > 1]
    sourced: dict[tuple[int, int], float] = {}
    if several:
        for part_id, org_id, share in session.execute(
            select(Sourcing.part_id, Site.organization_id, Sourcing.share)
            .join(Site, Site.id == Sourcing.site_id)
            .where(Sourcing.part_id.in_(several))
        ):
            key = (part_id, org_id)
            sourced[key] = sourced.get(key, 0.0) + float(share or 0.0)
    chosen = []
    for part_id, held in by_part.items():
        pcfs = list(held.values())
        weights = [sourced.get((part_id, row[1]), 0.0) if row[1] is not None else 0.0 for row in pcfs]
        if len(pcfs) == 1 or sum(weights) <= 0.0:
            latest = pcfs[0]
            chosen.append((part_id, latest[2], latest[3] or 0.0, latest[4], latest[5], latest[6], latest[7]))
            continue
        chosen.append(_mix(part_id, pcfs, weights))
    return chosen


def _weighted(w: Sequence[float], values: Sequence[float | None]) -> float | None:
    """Return the weighted sum, or None if a value that carries weight is not known."""
    if any(v is None for wi, v in zip(w, values, strict=True) if wi > 0.0):
        return None
    return sum(wi * (v or 0.0) for wi, v in zip(w, values, strict=True))


def _mix(part_id: int, pcfs: Sequence[Any], weights: Sequence[float]) -> _Pcf:
    """Return the PCF of a part bought from several suppliers, weighted by their sourcing shares."""
    total_weight = sum(weights)
    w = [x / total_weight for x in weights]
    fossil = sum(wi * row[2] for wi, row in zip(w, pcfs, strict=True))
    biogenic = sum(wi * (row[3] or 0.0) for wi, row in zip(w, pcfs, strict=True))
    quality = sum(wi * row[5] for wi, row in zip(w, pcfs, strict=True))
    share: float | None = None
    if all(row[4] is not None for wi, row in zip(w, pcfs, strict=True) if wi > 0.0):
        emitted = [wi * (row[2] + (row[3] or 0.0)) for wi, row in zip(w, pcfs, strict=True)]
        total = sum(emitted)
        primary = sum(e * (row[4] or 0.0) for e, row in zip(emitted, pcfs, strict=True))
        share = primary / total if total else 0.0
    carbon = _weighted(w, [row[6] for row in pcfs])
    uptake = _weighted(w, [row[7] for row in pcfs])
    return part_id, fossil, biogenic, share, quality, carbon, uptake


def _fingerprint(session: Session, factor_set: FactorSet, at: date) -> tuple[Any, ...]:
    """Return a cheap summary that changes whenever any input of a footprint changes.

    One aggregate per query: databases answer a lone max() of an indexed column from the index,
    but scan the table when it shares a query with other aggregates.
    """
    # BOM and composition changes raise the part's revision and its updated_at (indexed); activity
    # rows are only ever replaced (new ids), never edited in place.
    tables: list[tuple[Any, list[Any]]] = [
        (Part, [func.max(Part.id), func.max(Part.updated_at)]),
        (Activity, [func.max(Activity.id)]),
        (
            SupplierPcf,
            [
                func.max(SupplierPcf.id),
                func.sum(SupplierPcf.kg_co2e_per_unit + func.coalesce(SupplierPcf.primary_data_share, -1.0)),
                func.sum(
                    func.coalesce(SupplierPcf.biogenic_carbon_kg_per_unit, -1.0)
                    + func.coalesce(SupplierPcf.biogenic_uptake_kg_co2e_per_unit, 1.0)
                ),
            ],
        ),
        # Sourcing rows are updated in place by re-imports; one scan summing shares and prices sees
        # such a change (shares attribute suppliers, prices give spend-based factors).
        (
            Sourcing,
            [
                func.max(Sourcing.id),
                func.sum(Sourcing.share) + func.coalesce(func.sum(Sourcing.price_eur), 0),
            ],
        ),
        (Material, [func.max(Material.id)]),
        (Site, [func.max(Site.id)]),
    ]
    # count(*) reads the narrowest index; count(column) would read the table.
    values = tuple(
        session.scalar(statement)
        for table, aggregates in tables
        for statement in [select(func.count()).select_from(table), *(select(a) for a in aggregates)]
    )
    factors = session.execute(
        select(func.count(), func.max(Factor.id), func.sum(Factor.kg_co2e_per_unit)).where(
            Factor.factor_set_id == factor_set.id
        )
    ).one()
    identity = (factor_set.id, factor_set.version, factor_set.created_at, tuple(factors))
    return (*identity, at, values)


_CACHE: dict[tuple[Any, ...], Loaded] = {}
_CACHE_LOCK = threading.Lock()


def load(session: Session, *, factor_set: str | None = None, at: date | None = None) -> Loaded:
    """Return the arrays of every part for one factor set, and the prepared engine model.

    The last few loads are kept by engine and a fingerprint of the data, so a second request on
    unchanged data costs a handful of aggregate queries.
    """
    chosen = _factor_set(session, factor_set)
    day = at or datetime.now(UTC).date()
    key = (str(session.connection().engine.url), _fingerprint(session, chosen, day))
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
    if cached is not None:
        return cached
    loaded = _load(session, chosen, day)
    with _CACHE_LOCK:
        if len(_CACHE) >= 4:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = loaded
    return loaded


def _secondary_rows(
    session: Session,
    bom: BomArrays,
    factor_set_id: int,
    factor_rows: Sequence[tuple[Any, ...]],
    comp: Sequence[Any],
    acts: Sequence[Any],
    pcfs: Sequence[Any],
) -> list[tuple[int, str, str, None, float, float]]:
    """Return activity rows that give bought parts without data of their own a secondary factor.

    A part without children, composition, a valid supplier PCF or cradle-to-gate activity rows
    takes its category's factor: ``category:<category>`` per kg of its mass, else
    ``spend:<category>`` per euro of its share-weighted purchase price (only factors whose unit is
    EUR: purchase prices are in euro, and a per-dollar factor would need an exchange rate and price
    year the data does not give). Rows are (part id, kind, code, site, amount, primary share); none
    when the set has no such factors.
    """
    by_mass = {code for kind, code, value, *_ in factor_rows if kind == "category" and value is not None}
    by_spend = set(
        session.scalars(
            select(Factor.code).where(
                Factor.factor_set_id == factor_set_id,
                Factor.kind == "spend",
                func.upper(Factor.unit) == "EUR",
                Factor.kg_co2e_per_unit.is_not(None),
            )
        )
    )
    if not (by_mass or by_spend):
        return []
    ids = bom.part_index.ids
    parents = {ids[int(i)] for i in np.unique(bom.graph.edge_parent).tolist()}
    # The kinds a supplier PCF would replace: a part with only inbound transport still needs a factor.
    own_kinds = {k for k, stage in _STAGE_OF_KIND.items() if stage < fp.Stage.TRANSPORT}
    covered = parents | {r[0] for r in comp} | {r[0] for r in pcfs}
    covered |= {r[0] for r in acts if r[1] in own_kinds}
    parts = raw_rows(session, select(Part.id, Part.category, Part.mass_kg).where(Part.category.is_not(None)))
    prices: dict[int, list[float]] = {}
    if by_spend:
        for part_id, share, price in raw_rows(
            session,
            select(Sourcing.part_id, Sourcing.share, Sourcing.price_eur).where(
                Sourcing.price_eur.is_not(None)
            ),
        ):
            totals = prices.setdefault(part_id, [0.0, 0.0])
            totals[0] += float(share) * float(price)
            totals[1] += float(share)
    rows: list[tuple[int, str, str, None, float, float]] = []
    for part_id, category, mass in parts:
        if part_id in covered:
            continue
        if category in by_mass and mass:
            rows.append((part_id, "category", category, None, float(mass), 0.0))
        elif category in by_spend and prices.get(part_id, [0.0, 0.0])[1] > 0:
            paid, weight = prices[part_id]
            rows.append((part_id, "spend", category, None, paid / weight, 0.0))
    return rows


def _load(session: Session, chosen: FactorSet, at: date) -> Loaded:
    bom = load_bom_graph(session)
    ids = np.asarray(bom.part_index.ids, dtype=np.int64)
    revisions = bom.revisions if bom.revisions is not None else np.zeros(ids.size, dtype=np.int64)

    factor_rows = tuple(
        (r[0], r[1], r[2], r[3], float(r[4] or 0.0), float(r[5]))
        for r in raw_rows(
            session,
            select(
                Factor.kind,
                Factor.code,
                Factor.kg_co2e_per_unit,
                Factor.secondary_kg_co2e_per_unit,
                Factor.biogenic_kg_co2e_per_unit,
                Factor.quality,
            )
            .where(Factor.factor_set_id == chosen.id)
            .order_by(Factor.id),
        )
    )
    materials = raw_rows(session, select(Material.id, Material.code).order_by(Material.id))
    material_ids = np.array([m[0] for m in materials], dtype=np.int64)
    comp = raw_rows(
        session,
        select(
            PartMaterial.part_id, PartMaterial.material_id, PartMaterial.mass_kg, PartMaterial.recycled_share
        ),
    )
    sites = {
        r[0]: (r[1], r[2], r[3])
        for r in raw_rows(session, select(Site.id, Site.code, Site.country, Site.organization_id))
    }
    orgs = {r[0]: r[1] for r in raw_rows(session, select(Organization.id, Organization.code))}
    acts = raw_rows(
        session,
        select(
            Activity.part_id,
            Activity.kind,
            Activity.code,
            Activity.site_id,
            Activity.amount,
            Activity.primary_share,
        ),
    )
    pcfs = _pcfs_valid(session, at)
    sourcing = raw_rows(session, select(Sourcing.part_id, Sourcing.site_id, Sourcing.share))
    acts = acts + _secondary_rows(session, bom, chosen.id, factor_rows, comp, acts, pcfs)

    def site_country(site_id: int | None) -> str:
        return sites[site_id][1] if site_id in sites else ""

    act_code = tuple((r[2] or (site_country(r[3]) if r[1] == "electricity" else "") or "") for r in acts)
    site_ids = np.array(sorted(sites), dtype=np.int64)
    act_site = tuple(sites[r[3]][0] if r[3] in sites else None for r in acts)
    loaded = Loaded(
        bom=bom,
        factor_set_id=chosen.id,
        factor_set_name=chosen.name,
        factor_set_version=chosen.version,
        factor_rows=factor_rows,
        material_codes=tuple(m[1] for m in materials),
        comp_part=positions_of(ids, (r[0] for r in comp)),
        comp_material=positions_of(material_ids, (r[1] for r in comp))
        if comp
        else np.zeros(0, dtype=np.int64),
        comp_mass=np.array([r[2] for r in comp], dtype=np.float64),
        comp_recycled=np.array([r[3] or 0.0 for r in comp], dtype=np.float64),
        act_part=positions_of(ids, (r[0] for r in acts)),
        act_kind=tuple(r[1] for r in acts),
        act_code=act_code,
        act_site=act_site,
        act_text_hash=_text_hashes(tuple(r[1] for r in acts), act_code, act_site),
        act_amount=np.array([r[4] for r in acts], dtype=np.float64),
        act_primary=np.array([r[5] for r in acts], dtype=np.float64),
        pcf_part=positions_of(ids, (r[0] for r in pcfs)),
        pcf_value=np.array([r[1] for r in pcfs], dtype=np.float64),
        pcf_biogenic=np.array([r[2] for r in pcfs], dtype=np.float64),
        pcf_share=np.array([0.0 if r[3] is None else r[3] for r in pcfs], dtype=np.float64),
        pcf_share_unknown=np.array([r[3] is None for r in pcfs], dtype=np.bool_),
        pcf_quality=np.array([r[4] for r in pcfs], dtype=np.float64),
        pcf_carbon=np.array([math.nan if r[5] is None else r[5] for r in pcfs], dtype=np.float64),
        pcf_uptake=np.array([math.nan if r[6] is None else r[6] for r in pcfs], dtype=np.float64),
        material_carbon=_material_carbon(session, chosen.id, tuple(m[1] for m in materials)),
        src_part=positions_of(ids, (r[0] for r in sourcing)),
        src_share=np.array([r[2] for r in sourcing], dtype=np.float64),
        src_site=positions_of(site_ids, (r[1] for r in sourcing)),
        site_supplier=tuple(orgs.get(sites[i][2], "") for i in site_ids.tolist()),
        site_country=tuple(sites[i][1] for i in site_ids.tolist()),
        revisions=revisions,
        part_ids=ids,
        inputs=_EMPTY_INPUTS,
        model=_EMPTY_MODEL,
    )
    inputs = assemble(loaded)
    return dataclasses.replace(loaded, inputs=inputs, model=fp.prepare(inputs))


def _text_hashes(
    kinds: Sequence[str], codes: Sequence[str], sites: Sequence[str | None]
) -> npt.NDArray[np.uint64]:
    """Return a 64-bit BLAKE2b digest of each row's (kind, code, site); shape (n_rows,)."""
    seen: dict[tuple[str, str, str | None], int] = {}
    out = np.empty(len(kinds), dtype=np.uint64)
    for i, key in enumerate(zip(kinds, codes, sites, strict=True)):
        value = seen.get(key)
        if value is None:
            text = f"{key[0]}|{key[1]}|{key[2]}".encode()
            value = seen[key] = int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "little")
        out[i] = value
    return out


_EMPTY_INPUTS = fp.FootprintInputs(
    graph=build_bom(0, [], [], []),
    factors=fp.Factors.of((), ()),
)
_EMPTY_MODEL = fp.prepare(_EMPTY_INPUTS)


@dataclass(frozen=True)
class Changes:
    """What a what-if changes; every field optional."""

    material: tuple[str, str, tuple[str, ...] | None] | None = None
    """(old material code, new material code, only in these part numbers or everywhere)."""
    supplier_pcf: tuple[str, float | None] | None = None
    """(part number, kg CO2e per unit or None to drop the PCF)."""
    site_electricity: tuple[str, float] | None = None
    """(site code, kg CO2e per kWh of its electricity supply)."""
    recycled_share: tuple[str, str, float] | None = None
    """(part number, material code, new recycled share)."""


def assemble(loaded: Loaded, site_electricity: dict[str, float] | None = None) -> fp.FootprintInputs:
    """Return the engine inputs of ``loaded``; ``site_electricity`` gives sites their own factor."""
    codes: list[str] = []
    fossil: list[float] = []
    biogenic: list[float] = []
    quality: list[float] = []
    fallback: list[int] = []
    index: dict[str, int] = {}

    def add(code: str, value: float | None, bio: float, qual: float, fb: int = -1) -> int:
        index[code] = len(codes)
        codes.append(code)
        fossil.append(math.nan if value is None else value)
        biogenic.append(bio)
        quality.append(qual)
        fallback.append(fb)
        return index[code]

    for kind, code, primary, secondary, bio, qual in loaded.factor_rows:
        key = f"{kind}:{code.upper() if kind == 'material' else code}"
        if key in index:
            continue
        j = add(key, primary, bio, qual)
        if kind == "material":
            # No recycled-route value: the primary factor stands in, and results say so.
            add(
                f"material-secondary:{code.upper()}", secondary, bio, qual, -1 if secondary is not None else j
            )
    for site_code, value in (site_electricity or {}).items():
        add(f"electricity-site:{site_code}", value, 0.0, 2.0)

    def missing(code: str) -> int:
        if code not in index:
            add(code, None, 0.0, 3.0)
        return index[code]

    prim = [missing(f"material:{m.upper()}") for m in loaded.material_codes]
    sec = [index.get(f"material-secondary:{m.upper()}", -1) for m in loaded.material_codes]
    act_factor: list[int] = []
    for kind, code, site in zip(loaded.act_kind, loaded.act_code, loaded.act_site, strict=True):
        if kind == "electricity" and site is not None and site in (site_electricity or {}):
            act_factor.append(index[f"electricity-site:{site}"])
        else:
            act_factor.append(missing(f"{ACTIVITY_KINDS.get(kind, kind)}:{code}"))
    stages = np.array([int(_STAGE_OF_KIND.get(k, fp.Stage.PURCHASED_PARTS)) for k in loaded.act_kind])
    factors = fp.Factors.of(codes, fossil, biogenic_kg_co2e=biogenic, quality=quality, fallback=fallback)
    return fp.FootprintInputs(
        graph=loaded.bom.graph,
        factors=factors,
        materials=fp.Materials.of(loaded.material_codes, prim, sec),
        composition=fp.Composition.of(
            loaded.comp_part, loaded.comp_material, loaded.comp_mass, loaded.comp_recycled
        ),
        activities=fp.Activities.of(
            loaded.act_part,
            np.array(act_factor, dtype=np.int64),
            loaded.act_amount,
            stages,
            loaded.act_primary,
        ),
        pcfs=fp.SupplierPcfs.of(
            loaded.pcf_part,
            loaded.pcf_value,
            biogenic_kg_co2e=loaded.pcf_biogenic,
            primary_data_share=loaded.pcf_share,
            quality=loaded.pcf_quality,
        ),
        labels=tuple(loaded.bom.part_numbers),
    )


def _use_phase(session: Session, loaded: Loaded, part_number: str) -> fp.UsePhase | None:
    profile = session.scalars(
        select(UseProfile).join(Part, Part.id == UseProfile.part_id).where(Part.part_number == part_number)
    ).one_or_none()
    if profile is None:
        return None
    codes = loaded.inputs.factors.codes
    projected = grid_paths(loaded)
    grid: list[int] = []
    shares: list[float] = []
    paths: list[fp.GridPath | None] = []
    absent: list[str] = []
    for country, share in sorted(profile.installed_base.items()):
        code = f"electricity:{country}"
        if code in codes:
            grid.append(codes.index(code))
            shares.append(float(share))
            paths.append(projected.get(country))
        else:
            absent.append(country)
    if absent:
        raise Problem(
            422,
            "Missing emission factors",
            f"the factor set has no electricity factor for the installed base in {', '.join(absent)}",
            errors=[{"part": part_number, "message": f"no factor electricity:{c}"} for c in absent],
        )
    try:
        return fp.UsePhase.of(
            profile.energy_kwh_per_year,
            profile.lifetime_years,
            profile.start_year,
            grid,
            shares,
            paths if any(p is not None for p in paths) else (),
        )
    except CoreError as exc:
        raise Problem(422, "Unprocessable Content", str(exc)) from None


# --- calculating ------------------------------------------------------------------------------


def _compute(
    model: fp.FootprintModel, root: int, use: fp.UsePhase | None, use_after: fp.UsePhase | None = None
) -> fp.FootprintResult:
    try:
        return fp.footprint(model, root, use=use)
    except fp.MissingFactorError as exc:
        raise Problem(
            422,
            "Missing emission factors",
            f"{len(exc.missing)} emission factor(s) missing; add them to the factor set, declare a fallback, "
            "or give the parts a supplier PCF",
            errors=[{"part": part, "message": what} for part, what in exc.missing],
        ) from None


def _input_revisions(loaded: Loaded, result: fp.FootprintResult, use: fp.UsePhase | None) -> str:
    """Return a hash of every input the result read: part revisions, activity rows, PCFs, factor set.

    Hashes the raw bytes of the arrays restricted to the parts in the root, so it costs a few
    milliseconds for 100,000 parts.
    """
    inside = result.quantity_in_root > 0
    ids = loaded.part_ids
    digest = hashlib.sha256()
    digest.update(f"{loaded.factor_set_name}@{loaded.factor_set_version}\n".encode())
    digest.update(ids[inside].tobytes())
    digest.update(loaded.revisions[inside].tobytes())
    rows = inside[loaded.act_part] if loaded.act_part.size else np.zeros(0, dtype=bool)
    digest.update(ids[loaded.act_part[rows]].tobytes())
    digest.update(loaded.act_amount[rows].tobytes())
    digest.update(loaded.act_primary[rows].tobytes())
    digest.update(loaded.act_text_hash[rows].tobytes())
    held = inside[loaded.pcf_part] if loaded.pcf_part.size else np.zeros(0, dtype=bool)
    for array in (ids[loaded.pcf_part[held]], loaded.pcf_value[held], loaded.pcf_biogenic[held]):
        digest.update(array.tobytes())
    digest.update(loaded.pcf_share[held].tobytes())
    if use is not None:
        digest.update(repr((use.energy_kwh_per_year, use.lifetime_years, use.start_year)).encode())
        digest.update(repr((use.grid_factor.tolist(), use.share.tolist())).encode())
        for path in use.paths:
            if path is not None:
                digest.update(path.years.tobytes() + path.kg_co2e_per_kwh.tobytes())
    return digest.hexdigest()


def _gate_primary_share(loaded: Loaded, result: fp.FootprintResult) -> float:
    """Return the PACT primary data share: primary-data emissions over the cradle-to-gate total."""
    x_gate = result.quantity_in_gate
    gate = result.cradle_to_gate_kg_co2e
    primary = float(np.dot(x_gate, loaded.model.direct_primary_gate))
    return primary / gate if gate else math.nan


UNKNOWN_SHARE = "no primary data share: counted as 0 %"
CO2_PER_C = 44.009 / 12.011
"""kg CO2 per kg carbon (molar masses): the uptake of the biogenic carbon held in a product."""


def _biogenic_carbon(loaded: Loaded, result: fp.FootprintResult) -> tuple[float | None, float | None]:
    """Return (biogenic carbon kg, its CO2 uptake kg CO2e, 0 or less) in the product at the gate.

    The carbon is in the materials of the parts (mass × the material's carbon content) and in
    the parts bought with a supplier PCF (its own figures). Either figure is None unless every
    input that brings mass into the product states it: a material without a carbon content, a
    PCF without it, or a part counted by a category or spend factor leaves it unknown.
    """
    x = result.quantity_in_gate
    held = np.zeros(x.size, dtype=bool)
    held[loaded.pcf_part] = True
    rows = (x[loaded.comp_part] > 0) & ~held[loaded.comp_part]
    carbon_per_kg = loaded.material_carbon[loaded.comp_material[rows]]
    pcfs = x[loaded.pcf_part] > 0
    by_factor = np.isin(np.array(loaded.act_kind, dtype=object), ("category", "spend"))
    if (by_factor & (x[loaded.act_part] > 0)).any() or np.isnan(carbon_per_kg).any():
        return None, None
    in_materials = float(np.dot(x[loaded.comp_part[rows]] * loaded.comp_mass[rows], carbon_per_kg))
    carbon = uptake = None
    if not np.isnan(loaded.pcf_carbon[pcfs]).any():
        carbon = in_materials + float(np.dot(x[loaded.pcf_part[pcfs]], loaded.pcf_carbon[pcfs]))
    if not np.isnan(loaded.pcf_uptake[pcfs]).any():
        in_pcfs = float(np.dot(x[loaded.pcf_part[pcfs]], loaded.pcf_uptake[pcfs]))
        uptake = -CO2_PER_C * in_materials + in_pcfs
    return carbon, uptake


def _unknown_shares(loaded: Loaded, result: fp.FootprintResult) -> list[list[str]]:
    """Return a data-quality note for each supplier PCF in the footprint that gave no primary
    data share; its share counts as 0, never as 100 %."""
    inside = result.quantity_in_gate > 0
    parts = loaded.pcf_part[loaded.pcf_share_unknown]
    return sorted(
        [f"supplier PCF {loaded.bom.part_numbers[i]}", UNKNOWN_SHARE] for i in parts.tolist() if inside[i]
    )


def _top_parts(
    loaded: Loaded, result: fp.FootprintResult, top: int = TOP_PARTS, *, gate: bool = False
) -> list[dict[str, Any]]:
    return [
        {"part_number": h.label, "kg_co2e": h.kg_co2e, "share": h.share, "stage": fp.STAGE_NAMES[h.stage]}
        for h in fp.hotspots(loaded.model, result, top, gate=gate)
        if h.kg_co2e != 0.0
    ]


def _stages(result: fp.FootprintResult) -> dict[str, float]:
    return {name: float(v) for name, v in zip(fp.STAGE_NAMES, result.by_stage, strict=True)}


def _part_id(session: Session, part_number: str) -> int:
    found = session.scalar(select(Part.id).where(Part.part_number == part_number))
    if found is None:
        raise Problem(404, "Not Found", f"no part with part number '{part_number}'")
    return found


def calculate(
    session: Session, *, part_number: str, factor_set: str | None = None, at: date | None = None
) -> FootprintRun:
    """Compute the footprint of one unit of ``part_number`` and store it with what it was computed from."""
    part_id = _part_id(session, part_number)
    day = at or datetime.now(UTC).date()
    loaded = load(session, factor_set=factor_set, at=day)
    root = loaded.position(part_number)
    use = _use_phase(session, loaded, part_number)
    result = _compute(loaded.model, root, use)
    share = _gate_primary_share(loaded, result)
    quality = fp.data_quality(loaded.model, result)
    carbon, uptake = _biogenic_carbon(loaded, result)
    run = FootprintRun(
        part_id=part_id,
        factor_set_id=loaded.factor_set_id,
        factor_set_version=loaded.factor_set_version,
        input_revisions=_input_revisions(loaded, result, use),
        at=day,
        total_kg_co2e=result.total_kg_co2e,
        fossil_kg_co2e=result.fossil_total_kg_co2e,
        biogenic_kg_co2e=result.biogenic_total_kg_co2e,
        biogenic_carbon_kg=carbon,
        biogenic_uptake_kg_co2e=uptake,
        by_stage=_stages(result),
        primary_data_share=None if math.isnan(share) else share,
        data_quality_rating=None if math.isnan(quality.rating) else quality.rating,
        data_quality_coverage=None if math.isnan(quality.coverage) else quality.coverage,
        top_parts=_top_parts(loaded, result),
        fallbacks=[list(pair) for pair in result.fallbacks] + _unknown_shares(loaded, result),
    )
    session.add(run)
    session.flush()
    return run


def latest(session: Session, *, part_number: str) -> FootprintRun:
    """Return the part's latest stored footprint; a 404 problem if none was calculated."""
    part_id = _part_id(session, part_number)
    run = session.scalars(
        select(FootprintRun).where(FootprintRun.part_id == part_id).order_by(FootprintRun.id.desc())
    ).first()
    if run is None:
        raise Problem(404, "Not Found", f"no footprint of '{part_number}' yet; calculate one first")
    return run


def reproduce(session: Session, run: FootprintRun) -> tuple[bool, float]:
    """Return whether the stored inputs are unchanged, and the total computed again from them."""
    factor_set = session.get(FactorSet, run.factor_set_id)
    if factor_set is None:
        raise Problem(404, "Not Found", "the run's factor set no longer exists")
    part_number = session.scalar(select(Part.part_number).where(Part.id == run.part_id)) or ""
    loaded = load(session, factor_set=f"{factor_set.name}@{run.factor_set_version}", at=run.at)
    use = _use_phase(session, loaded, part_number)
    result = _compute(loaded.model, loaded.position(part_number), use)
    return _input_revisions(loaded, result, use) == run.input_revisions, result.total_kg_co2e


def run_summary(session: Session, run: FootprintRun) -> dict[str, Any]:
    """Return a stored run as plain data."""
    factor_set = session.get(FactorSet, run.factor_set_id)
    part_number = session.scalar(select(Part.part_number).where(Part.id == run.part_id))
    return {
        "id": run.id,
        "part_number": part_number,
        "factor_set": factor_set.name if factor_set else None,
        "factor_set_version": run.factor_set_version,
        "input_revisions": run.input_revisions,
        "at": run.at,
        "computed_at": run.computed_at,
        "total_kg_co2e": run.total_kg_co2e,
        "fossil_kg_co2e": run.fossil_kg_co2e,
        "biogenic_kg_co2e": run.biogenic_kg_co2e,
        "cradle_to_gate_kg_co2e": sum(v for k, v in run.by_stage.items() if k not in ("use", "end_of_life")),
        "by_stage": run.by_stage,
        "primary_data_share": run.primary_data_share,
        "data_quality_rating": run.data_quality_rating,
        "data_quality_coverage": run.data_quality_coverage,
        "top_parts": run.top_parts,
        "fallbacks": run.fallbacks,
    }


_MEMO = "keten.footprints.current"
"""Key in ``Session.info`` of the footprints computed in this session since its last flush."""


@event.listens_for(Session, "after_flush")
def _forget_current(session: Session, _flush_context: Any) -> None:
    # Any write may change an input, so a session forgets what it computed at every flush.
    session.info.pop(_MEMO, None)


def _current(
    session: Session, part_number: str, factor_set: str | None, at: date | None
) -> tuple[Loaded, int, fp.UsePhase | None, fp.FootprintResult]:
    """Return the current footprint of ``part_number``; computed once per session between writes,
    so a page that shows several breakdowns checks the data and rolls up once."""
    memo: dict[tuple[str, str | None, date | None], Any] = session.info.setdefault(_MEMO, {})
    key = (part_number, factor_set, at)
    if key not in memo:
        _part_id(session, part_number)
        loaded = load(session, factor_set=factor_set, at=at)
        root = loaded.position(part_number)
        use = _use_phase(session, loaded, part_number)
        memo[key] = (loaded, root, use, _compute(loaded.model, root, use))
    return memo[key]  # type: ignore[no-any-return]


def _shares(keys: Sequence[str], values: FloatArray, total: float) -> list[dict[str, Any]]:
    merged: dict[str, float] = {}
    nonzero = np.flatnonzero(values)
    for key, value in zip([keys[i] for i in nonzero.tolist()], values[nonzero].tolist(), strict=True):
        merged[key] = merged.get(key, 0.0) + value
    return [
        {"key": k, "kg_co2e": v, "share": v / total if total else None}
        for k, v in sorted(merged.items(), key=lambda kv: -abs(kv[1]))
        if v != 0.0
    ]


def breakdown(
    session: Session,
    *,
    part_number: str,
    by: str,
    factor_set: str | None = None,
    at: date | None = None,
    depth: int = 2,
    gate: bool = False,
) -> dict[str, Any]:
    """Return the footprint by stage, part (the contribution tree), supplier, country or material.

    With ``gate``, suppliers and countries share out the cradle-to-gate total only (the use phase
    is not made by anyone in the chain), and every share is of that total.
    """
    if by not in BREAKDOWNS:
        raise Problem(422, "Unprocessable Content", f"by must be one of {', '.join(BREAKDOWNS)}")
    loaded, root, _, result = _current(session, part_number, factor_set, at)
    total = result.cradle_to_gate_kg_co2e if gate else result.total_kg_co2e
    out: dict[str, Any] = {"part_number": part_number, "by": by, "total_kg_co2e": total}
    by_part = result.by_part_gate if gate else result.by_part
    if by == "stage":
        out["items"] = [
            {"key": k, "kg_co2e": v, "share": v / total if total else None}
            for k, v in _stages(result).items()
        ]
    elif by == "part":
        out["tree"] = _tree(loaded, result, root, depth)
    elif by in ("supplier", "country"):
        # A part's contribution is split over its sources by their shares; parts without a
        # source are made in-house.
        names = loaded.site_supplier if by == "supplier" else loaded.site_country
        share_sum = np.bincount(loaded.src_part, weights=loaded.src_share, minlength=by_part.size)
        weights = np.divide(
            loaded.src_share,
            share_sum[loaded.src_part],
            out=np.zeros_like(loaded.src_share),
            where=share_sum[loaded.src_part] > 0,
        )
        keys = list(names)
        per_row = by_part[loaded.src_part] * weights if loaded.src_part.size else np.zeros(0)
        values = np.bincount(loaded.src_site, weights=per_row, minlength=len(names)).astype(np.float64)
        unsourced = float(by_part[share_sum <= 0].sum())
        keys.append(IN_HOUSE)
        out["items"] = _shares(keys, np.append(values, unsourced), total)
    else:
        out["items"] = _shares(*_by_material(loaded, result), total)
    return out


def _by_material(loaded: Loaded, result: fp.FootprintResult) -> tuple[list[str], FloatArray]:
    model, inputs = loaded.model, loaded.inputs
    x_gate = result.quantity_in_gate
    value = model.factor_fossil + model.factor_biogenic
    mats = inputs.materials
    prim = mats.primary_factor[loaded.comp_material]
    sec = mats.secondary_factor[loaded.comp_material]
    v_prim = np.where(prim >= 0, np.nan_to_num(value[np.maximum(prim, 0)]), 0.0)
    v_sec = np.where(sec >= 0, np.nan_to_num(value[np.maximum(sec, 0)]), 0.0)
    per_row = loaded.comp_mass * (v_prim * (1 - loaded.comp_recycled) + v_sec * loaded.comp_recycled)
    per_row = per_row * x_gate[loaded.comp_part] * ~model.held[loaded.comp_part]
    # One sum per material, in numpy: the composition has a row per part and material.
    per_material = np.bincount(loaded.comp_material, weights=per_row, minlength=len(loaded.material_codes))
    return list(loaded.material_codes), per_material.astype(np.float64)


def _tree(loaded: Loaded, result: fp.FootprintResult, root: int, depth: int) -> dict[str, Any]:
    """Return the contribution tree to ``depth`` levels: each node's own and its subtree's kg CO2e."""
    per_unit = fp.footprints_per_unit(loaded.model).sum(axis=1)
    graph = loaded.bom.graph
    by_part = result.by_part
    order = np.argsort(graph.edge_parent, kind="stable")
    ptr = np.searchsorted(graph.edge_parent[order], np.arange(graph.n + 1))

    def node(i: int, quantity: float, level: int) -> dict[str, Any]:
        item: dict[str, Any] = {
            "part_number": loaded.bom.part_numbers[i],
            "quantity": quantity,
            "kg_co2e": quantity * float(per_unit[i]),
            "own_kg_co2e": quantity * float(loaded.model.direct[:, :, i].sum()),
        }
        if level < depth and not loaded.model.held[i]:
            edges = order[int(ptr[i]) : int(ptr[i + 1])].tolist()
            children = [
                node(int(graph.edge_child[e]), quantity * float(graph.edge_quantity[e]), level + 1)
                for e in edges
            ]
            item["children"] = sorted(children, key=lambda c: -c["kg_co2e"])
        return item

    tree = node(root, 1.0, 0)
    tree["kg_co2e"] = float(by_part.sum())
    return tree


def hotspots(
    session: Session,
    *,
    part_number: str,
    top: int = 10,
    factor_set: str | None = None,
    at: date | None = None,
    gate: bool = False,
) -> list[dict[str, Any]]:
    """Return the parts with the largest contributions, largest first (of cradle to gate only,
    with shares of it, when ``gate``)."""
    loaded, _, _, result = _current(session, part_number, factor_set, at)
    return _top_parts(loaded, result, top, gate=gate)


def monte_carlo(
    session: Session,
    *,
    part_number: str,
    iterations: int = 1000,
    seed: int | None = None,
    factor_set: str | None = None,
    at: date | None = None,
) -> dict[str, Any]:
    """Return the Monte Carlo percentiles of the footprint, total and by stage."""
    loaded, root, use, _ = _current(session, part_number, factor_set, at)
    u = fp.monte_carlo(loaded.model, root, iterations=iterations, seed=seed, use=use)
    return {
        "part_number": part_number,
        "iterations": u.iterations,
        "seed": u.seed,
        "deterministic_kg_co2e": u.deterministic_kg_co2e,
        "p5": u.p5,
        "p50": u.p50,
        "p95": u.p95,
        "mean": u.mean,
        "std": u.std,
        "by_stage": {
            name: {"p5": float(a), "p50": float(b), "p95": float(c)}
            for name, a, b, c in zip(
                fp.STAGE_NAMES, u.by_stage_p5, u.by_stage_p50, u.by_stage_p95, strict=True
            )
        },
    }


def what_if(
    session: Session,
    *,
    part_number: str,
    changes: Changes,
    factor_set: str | None = None,
    at: date | None = None,
) -> dict[str, Any]:
    """Return the footprint before and after the changes, storing nothing."""
    loaded, root, use, before = _current(session, part_number, factor_set, at)
    site_factor = dict([changes.site_electricity]) if changes.site_electricity else None
    if site_factor and changes.site_electricity and changes.site_electricity[0] not in loaded.act_site:
        raise Problem(422, "Unprocessable Content", f"no activity at site {changes.site_electricity[0]!r}")
    changed = assemble(loaded, site_factor) if site_factor else loaded.inputs
    materials = loaded.material_codes
    try:
        if changes.material:
            old, new, parts = changes.material
            for code in (old, new):
                if code not in materials:
                    raise Problem(422, "Unprocessable Content", f"no material {code!r}")
            positions = None if parts is None else [loaded.position(p) for p in parts]
            changed = fp.with_material(changed, materials.index(old), materials.index(new), parts=positions)
        if changes.recycled_share:
            part, code, share = changes.recycled_share
            if code not in materials:
                raise Problem(422, "Unprocessable Content", f"no material {code!r}")
            changed = fp.with_recycled_share(changed, loaded.position(part), materials.index(code), share)
        if changes.supplier_pcf:
            part, value = changes.supplier_pcf
            changed = fp.with_supplier_pcf(changed, loaded.position(part), fossil_kg_co2e=value)
        after = _compute(fp.prepare(changed), root, use)
    except CoreError as exc:
        raise Problem(422, "Unprocessable Content", str(exc)) from None
    delta = after.by_part - before.by_part
    order = np.argsort(-np.abs(delta))[:10]
    return {
        "part_number": part_number,
        "before_kg_co2e": before.total_kg_co2e,
        "after_kg_co2e": after.total_kg_co2e,
        "delta_kg_co2e": after.total_kg_co2e - before.total_kg_co2e,
        "before_by_stage": _stages(before),
        "after_by_stage": _stages(after),
        "largest_changes": [
            {"part_number": loaded.bom.part_numbers[i], "delta_kg_co2e": float(delta[i])}
            for i in order.tolist()
            if delta[i] != 0.0
        ],
    }


# --- exports ----------------------------------------------------------------------------------


def pact_figures(session: Session, *, part_number: str) -> PactFigures:
    """Return the latest stored footprint's cradle-to-gate figures per piece; a 422 problem if
    the part has no mass (PACT documents declare it)."""
    return pact.figures(session, latest(session, part_number=part_number), part_number)


def pact_footprint(
    session: Session, *, part_number: str, company_name: str, company_id: str
) -> dict[str, Any]:
    """Return the latest stored footprint as a PACT Technical Specifications v2 ProductFootprint
    (see ``pact.footprint_v2``)."""
    return pact.footprint_v2(
        session,
        latest(session, part_number=part_number),
        part_number=part_number,
        company_name=company_name,
        company_id=company_id,
    )


def idta_submodel(session: Session, *, part_number: str) -> dict[str, Any]:
    """Return the latest stored footprint as an IDTA 02023 Carbon Footprint submodel (AAS v3 JSON)."""
    run = latest(session, part_number=part_number)
    gate = sum(v for k, v in run.by_stage.items() if k not in ("use", "end_of_life"))

    def prop(id_short: str, value: Any, value_type: str = "xs:string") -> dict[str, Any]:
        return {"modelType": "Property", "idShort": id_short, "valueType": value_type, "value": str(value)}

    def collection(id_short: str, stages: str, value: float) -> dict[str, Any]:
        return {
            "modelType": "SubmodelElementCollection",
            "idShort": id_short,
            "value": [
                prop("PCFCalculationMethod", "ISO 14067"),
                prop("PCFCO2eq", f"{value:.6g}", "xs:double"),
                prop("PCFReferenceValueForCalculation", "piece"),
                prop("PCFQuantityOfMeasureForCalculation", "1", "xs:double"),
                prop("PCFLifeCyclePhase", stages),
            ],
        }

    phases = [collection("ProductCarbonFootprint_A1A3", "A1-A3", gate)]
    use = run.by_stage.get("use", 0.0)
    if use:
        phases.append(collection("ProductCarbonFootprint_B6", "B6", use))
    eol = run.by_stage.get("end_of_life", 0.0)
    if eol:
        phases.append(collection("ProductCarbonFootprint_C1C4", "C1-C4", eol))
    return {
        "modelType": "Submodel",
        "id": f"urn:keten:submodel:carbon-footprint:{part_number}:{run.id}",
        "idShort": "CarbonFootprint",
        "kind": "Instance",
        "semanticId": {
            "type": "ExternalReference",
            "keys": [
                {
                    "type": "GlobalReference",
                    "value": "https://admin-shell.io/idta/CarbonFootprint/CarbonFootprint/0/9",
                }
            ],
        },
        "submodelElements": phases,
    }


# --- activity data ----------------------------------------------------------------------------


ACTIVITY_CSV_COLUMNS = ("part_number", "kind", "amount")
"""Required columns of an activities CSV; ``code``, ``site`` and ``primary_share`` are optional."""


def load_activities(session: Session, text: str, *, source: str = "activities.csv") -> int:
    """Replace the activity data of the parts named in an activities CSV; return the rows loaded.

    Columns: part_number, kind, code, site, amount, primary_share. ``kind`` is one of the activity
    kinds (electricity, fuel, gas, transport, spend, category, end_of_life), ``use`` (amount: kWh a
    year, code: ``LIFETIME:START_YEAR``) or ``installed_base`` (code: a country, amount: its share)
    after the part's ``use`` row. Every row is checked first; a 422 problem lists every bad row by
    file, row and column, and nothing is written.
    """
    fieldnames, rows = read_csv_text(text, source=source)
    absent = [c for c in ACTIVITY_CSV_COLUMNS if c not in fieldnames]
    if absent:
        raise Problem(422, "Unprocessable Content", f"{source} lacks the column(s) {', '.join(absent)}")
    numbers = {(r.get("part_number") or "").strip() for r in rows}
    parts = dict(
        session.execute(select(Part.part_number, Part.id).where(Part.part_number.in_(numbers))).all()
    )
    sites = dict(session.execute(select(Site.code, Site.id)).all())
    errors: list[dict[str, Any]] = []
    activities: list[dict[str, Any]] = []
    uses: dict[int, dict[str, Any]] = {}

    def bad(row: int, column: str, message: str) -> None:
        errors.append({"file": source, "row": row, "column": column, "message": message})

    for number, r in enumerate(rows, start=2):
        part_number = (r.get("part_number") or "").strip()
        kind = (r.get("kind") or "").strip()
        code = (r.get("code") or "").strip()
        site = (r.get("site") or "").strip()
        part_id = parts.get(part_number)
        if part_id is None:
            bad(number, "part_number", f"no part with part number {part_number!r}")
            continue
        try:
            amount = float(r.get("amount") or "")
        except ValueError:
            bad(number, "amount", f"a number, not {r.get('amount')!r}")
            continue
        if not math.isfinite(amount) or amount < 0:
            bad(number, "amount", f"a number of at least 0, not {r.get('amount')!r}")
            continue
        if kind == "use":
            lifetime, _, start = code.partition(":")
            try:
                uses[part_id] = {
                    "energy_kwh_per_year": amount,
                    "lifetime_years": float(lifetime),
                    "start_year": int(start),
                    "installed_base": {},
                }
            except ValueError:
                bad(number, "code", f"LIFETIME:START_YEAR such as 20:2026, not {code!r}")
            continue
        if kind == "installed_base":
            if part_id not in uses:
                bad(number, "kind", f"an installed_base row needs a use row of {part_number} above it")
            elif not re.fullmatch(r"[A-Z]{2}", code):
                bad(number, "code", f"an ISO 3166 country code such as NL, not {code!r}")
            else:
                uses[part_id]["installed_base"][code] = amount
            continue
        if kind not in ACTIVITY_KINDS:
            bad(
                number,
                "kind",
                f"one of {', '.join([*ACTIVITY_KINDS, 'use', 'installed_base'])}, not {kind!r}",
            )
            continue
        if site and site not in sites:
            bad(number, "site", f"no site with code {site!r}")
            continue
        if kind == "electricity" and not (site or code):
            bad(number, "site", "electricity needs a site (its country gives the grid) or a code")
            continue
        try:
            primary = float(r.get("primary_share") or 0.0)
        except ValueError:
            primary = -1.0
        if not 0.0 <= primary <= 1.0:
            bad(number, "primary_share", f"a share from 0 to 1, not {r.get('primary_share')!r}")
            continue
        activities.append(
            {
                "part_id": part_id,
                "kind": kind,
                "code": code or None,
                "site_id": sites.get(site),
                "amount": amount,
                "primary_share": primary,
            }
        )
    for part_id, use in uses.items():
        total = sum(use["installed_base"].values())
        if abs(total - 1.0) > 1e-6:
            name = next(n for n, i in parts.items() if i == part_id)
            errors.append(
                {"file": source, "part": name, "message": f"installed-base shares sum to {total:g}, not 1"}
            )
    if errors:
        raise Problem(
            422,
            "Unprocessable Content",
            f"{len(errors)} error(s) in {source}; nothing was written",
            errors=errors,
        )
    ids = sorted(parts.values())
    session.execute(delete(Activity).where(Activity.part_id.in_(ids)))
    session.execute(delete(UseProfile).where(UseProfile.part_id.in_(ids)))
    session.add_all(Activity(**a) for a in activities)
    session.add_all(UseProfile(part_id=part_id, **use) for part_id, use in uses.items())
    session.flush()
    return len(activities)


def record_measured_electricity(
    session: Session, *, part_number: str, site_code: str, kwh_per_unit: float, source: str
) -> None:
    """Make ``kwh_per_unit`` at the site the part's electricity there, as primary data.

    What the machines measured replaces any electricity activity of the part at that site (an
    estimate or an earlier measurement); the part's other activities stay. ``source`` names where the
    figure came from, for the problem when the part or site is unknown.
    """
    part_id = session.scalar(select(Part.id).where(Part.part_number == part_number))
    site_id = session.scalar(select(Site.id).where(Site.code == site_code))
    if part_id is None or site_id is None:
        missing = f"part {part_number!r}" if part_id is None else f"site {site_code!r}"
        raise Problem(422, "Unprocessable Content", f"{source}: no {missing}")
    if not math.isfinite(kwh_per_unit) or kwh_per_unit < 0:
        raise Problem(422, "Unprocessable Content", f"{source}: {kwh_per_unit} kWh per unit is not an energy")
    measured = Activity(
        part_id=part_id,
        kind="electricity",
        code=None,
        site_id=site_id,
        amount=kwh_per_unit,
        primary_share=1.0,
    )
    # Added before the old rows go, so its id is above theirs: the load cache's fingerprint reads the
    # highest activity id, which SQLite would hand out again after deleting the highest row.
    session.add(measured)
    session.flush()
    session.execute(
        delete(Activity).where(
            Activity.part_id == part_id,
            Activity.kind == "electricity",
            Activity.site_id == site_id,
            Activity.id != measured.id,
        )
    )
    session.flush()


def load_activities_csv(session: Session, path: Path) -> int:
    """Load an activities CSV file (see ``load_activities``); return the rows loaded."""
    return load_activities(session, path.read_text(encoding="utf-8-sig"), source=path.name)


DEMO_SET = "keten-demo"


def load_demo(session: Session, directory: Path) -> FactorSet:
    """Load the demo's footprint data from ``directory`` (see its README.md); again changes nothing.

    The reference set is loaded as it is; the demo set adds the demo's own material factors to
    it and becomes the default; the activity rows of the parts named are replaced.
    """
    load_reference_factors(session)
    text = (directory / "factors.csv").read_text(encoding="utf-8")
    extra = [
        {
            "kind": r["kind"],
            "code": r["code"].upper() if r["kind"] == "material" else r["code"],
            "unit": r["unit"],
            "kg_co2e_per_unit": _float_or_none(r["kg_co2e_per_unit"]),
            "secondary_kg_co2e_per_unit": _float_or_none(r.get("secondary_kg_co2e_per_unit")),
            "quality": _float_or_none(r.get("quality")) or 3.0,
            "source": r.get("source") or None,
            "licence": r.get("licence") or None,
        }
        for r in csv.DictReader(io.StringIO(text))
    ]
    rows = [*_reference_rows(FACTORS_DIR), *extra]
    demo = _store_set(
        session,
        name=DEMO_SET,
        version=_content_version(rows),
        source="data/factors plus the demo's proxies and illustrative estimates (data/demo/footprints)",
        rows=rows,
        make_default=True,
    )
    load_activities_csv(session, directory / "activities.csv")
    return demo
