"""Product carbon footprints over a bill of materials: roll-up, contributions, what-if, Monte Carlo.

The model
---------
Parts 0..n-1 form a BOM (:class:`keten.core.bom.BomGraph`). Emissions enter a part through rows of
*activity*: an amount per unit of the part (kg of a material, kWh at a site, tonne-km by road,
kg of SF6 released, one supplier PCF) times one emission factor (kg CO2e per unit of activity),
assigned to a life-cycle :class:`Stage`. A part's *direct* emissions are the sum of its own rows;
its *contribution* to a root is its direct emissions times its total quantity in the root (the
explosion), so the total of a root is one explosion and a dot product, and the per-part
contributions are the contribution tree.

Materials are weighted by their recycled share: ``mass × (primary factor × (1 − r) + secondary
factor × r)``. A part whose supplier PCF is held (primary data) takes that PCF in place of its own
cradle-to-gate rows and of everything below it: its children are not counted again. Its inbound
transport stays (the supplier's gate is not ours), and use and end-of-life rows are never cut,
since they happen after our gate whoever made the part.

Use phase (energy per year × lifetime × grid factor of the installed base, optionally following a
projected decarbonisation path year by year) and end of life are stages of their own. Fossil and
biogenic emissions are kept apart throughout; the total is their sum.

A factor without a value is never a silent zero: :class:`MissingFactorError` lists every part and
what it lacks, unless the factor set declares a fallback for that factor.

Uncertainty: the total is linear in the factors, so Monte Carlo samples one lognormal multiplier
per distinct factor (not per part) and multiplies a precomputed (factors × stages) loading matrix,
in chunks of iterations that bound memory. The spread of a factor comes from its data quality
rating (1 best … 5 worst, see :data:`QUALITY_GSD`) unless it states its own.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np
import numpy.typing as npt

from keten.core.bom import BomGraph, explode
from keten.core.errors import CoreError

__all__ = [
    "DQR_THRESHOLD",
    "GATE_STAGES",
    "N_STAGES",
    "QUALITY_GSD",
    "STAGE_NAMES",
    "Activities",
    "Composition",
    "DataQuality",
    "FactorLoadings",
    "Factors",
    "FootprintInputs",
    "FootprintModel",
    "FootprintResult",
    "GridPath",
    "Hotspot",
    "Materials",
    "MissingFactorError",
    "Stage",
    "SupplierPcfs",
    "Uncertainty",
    "UsePhase",
    "WhatIf",
    "data_quality",
    "factor_loadings",
    "footprint",
    "footprints_per_unit",
    "gsd_for_quality",
    "hotspots",
    "monte_carlo",
    "prepare",
    "what_if",
    "what_if_activity_factor",
    "what_if_factor_value",
    "what_if_material",
    "what_if_recycled_share",
    "what_if_supplier_pcf",
    "with_activity_factor",
    "with_factor_value",
    "with_material",
    "with_recycled_share",
    "with_supplier_pcf",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


class Stage(IntEnum):
    """Life-cycle stages a footprint is broken down by; the first five are cradle to gate."""

    MATERIALS = 0
    PURCHASED_PARTS = 1
    MANUFACTURING_ENERGY = 2
    PROCESS_EMISSIONS = 3
    TRANSPORT = 4
    USE = 5
    END_OF_LIFE = 6


N_STAGES = len(Stage)
STAGE_NAMES: tuple[str, ...] = tuple(s.name.lower() for s in Stage)
GATE_STAGES: tuple[Stage, ...] = (
    Stage.MATERIALS,
    Stage.PURCHASED_PARTS,
    Stage.MANUFACTURING_ENERGY,
    Stage.PROCESS_EMISSIONS,
    Stage.TRANSPORT,
)
_N_GATE = len(GATE_STAGES)
# A held supplier PCF covers the part up to the supplier's gate: these of its own rows go.
_REPLACED_BY_PCF = np.array(
    [
        s in (Stage.MATERIALS, Stage.PURCHASED_PARTS, Stage.MANUFACTURING_ENERGY, Stage.PROCESS_EMISSIONS)
        for s in Stage
    ]
)

# keten's default spread per data quality rating, as the geometric standard deviation of a
# lognormal whose median is the factor's value. Roughly, the 95 % range is value ÷/× GSD²:
# 1 (measured, verified, specific) ±10 %, 2 ±20 %, 3 ÷/× 1.44, 4 ÷/× 2.25, 5 (rough estimate) ÷/× 4.
# Ratings between two integers (PACT data quality averages) interpolate in log space.
QUALITY_GSD: dict[int, float] = {1: 1.05, 2: 1.10, 3: 1.20, 4: 1.50, 5: 2.00}

_PCF_CODE = "supplier-pcf:{label}"


class MissingFactorError(CoreError):
    """Parts of the footprint need an emission factor the factor set does not hold."""

    def __init__(self, missing: Sequence[tuple[str, str]]) -> None:
        self.missing = tuple(missing)
        groups: dict[str, list[str]] = {}
        for part, what in self.missing:
            groups.setdefault(what, []).append(part)
        shown = 50 if len(self.missing) <= 50 else 10
        lines = []
        for what, parts in groups.items():
            head = ", ".join(parts[:shown])
            more = f" and {len(parts) - shown} more" if len(parts) > shown else ""
            lines.append(f"  {what}: {head}{more}")
        super().__init__(
            f"{len(self.missing)} emission factor(s) missing for {len(groups)} reason(s):\n"
            + "\n".join(lines)
            + "\nadd the factors to the factor set, declare a fallback for them, give the parts a "
            "supplier PCF, or declare the parts cut off"
        )


def gsd_for_quality(quality: npt.ArrayLike) -> FloatArray:
    """Return the geometric standard deviation for data quality ratings in [1, 5], same shape."""
    q = np.asarray(quality, dtype=np.float64)
    if q.size and (np.any(~np.isfinite(q)) or q.min() < 1.0 or q.max() > 5.0):
        raise CoreError("data quality ratings must lie between 1 (best) and 5 (worst)")
    grid = np.array(sorted(QUALITY_GSD), dtype=np.float64)
    log_gsd = np.log(np.array([QUALITY_GSD[int(g)] for g in grid]))
    return np.asarray(np.exp(np.interp(q, grid, log_gsd)), dtype=np.float64)


def _weighted_bincount(index: IntArray, weights: FloatArray, size: int) -> FloatArray:
    """Return the sums of ``weights`` per value of ``index``, shape (size,)."""
    return np.asarray(np.bincount(index, weights=weights, minlength=size), dtype=np.float64)


def _ints(values: npt.ArrayLike) -> IntArray:
    return np.ascontiguousarray(values, dtype=np.int64).reshape(-1)


def _floats(values: npt.ArrayLike) -> FloatArray:
    return np.ascontiguousarray(values, dtype=np.float64).reshape(-1)


def _same_length(what: str, **arrays: npt.NDArray[np.generic]) -> int:
    lengths = {name: a.shape[0] for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise CoreError(f"{what}: arrays must have the same length, got {lengths}")
    return next(iter(lengths.values()), 0)


@dataclass(frozen=True)
class Factors:
    """An emission factor set: kg CO2e per unit of activity, shape (k,) each.

    ``fossil_kg_co2e`` is NaN where the set holds no value. ``fallback[j]`` is the index of the
    factor that stands in for factor j when j has no value (-1: none); a stand-in without a value
    of its own leaves j missing, so fallbacks never chain. ``gsd`` states a factor's
    own geometric standard deviation for Monte Carlo; NaN derives it from ``quality``.
    Build with :meth:`of`.
    """

    codes: tuple[str, ...]
    fossil_kg_co2e: FloatArray
    biogenic_kg_co2e: FloatArray
    quality: FloatArray
    fallback: IntArray
    gsd: FloatArray

    @classmethod
    def of(
        cls,
        codes: Sequence[str],
        fossil_kg_co2e: npt.ArrayLike,
        *,
        biogenic_kg_co2e: npt.ArrayLike | None = None,
        quality: npt.ArrayLike | None = None,
        fallback: npt.ArrayLike | None = None,
        gsd: npt.ArrayLike | None = None,
    ) -> Factors:
        """Return a validated factor set; absent arrays default to 0 biogenic, quality 3, no fallback."""
        k = len(codes)
        fossil = _floats(fossil_kg_co2e)
        biogenic = np.zeros(k) if biogenic_kg_co2e is None else _floats(biogenic_kg_co2e)
        qual = np.full(k, 3.0) if quality is None else _floats(quality)
        fb = np.full(k, -1, dtype=np.int64) if fallback is None else _ints(fallback)
        spread = np.full(k, np.nan) if gsd is None else _floats(gsd)
        if not (fossil.shape == biogenic.shape == qual.shape == fb.shape == spread.shape == (k,)):
            raise CoreError(f"factor set: every array must have one value per code ({k})")
        if len(set(codes)) != k:
            raise CoreError("factor set: codes must be unique")
        gsd_for_quality(qual)
        if k and (fb.min() < -1 or fb.max() >= k or np.any(fb == np.arange(k))):
            raise CoreError("factor set: a fallback must be another factor's index, or -1 for none")
        given = spread[~np.isnan(spread)]
        if given.size and given.min() < 1.0:
            raise CoreError("factor set: a geometric standard deviation is at least 1")
        return cls(tuple(codes), fossil, biogenic, qual, fb, spread)

    def index(self, code: str) -> int:
        """Return the position of ``code``; raises CoreError naming it when absent."""
        try:
            return self.codes.index(code)
        except ValueError:
            raise CoreError(f"the factor set holds no factor {code!r}") from None


@dataclass(frozen=True)
class Materials:
    """Materials and the factors of their two routes, shape (n_materials,) each.

    ``primary_factor`` and ``secondary_factor`` index the factor set; -1 means the set has no
    factor for that route of that material.
    """

    codes: tuple[str, ...]
    primary_factor: IntArray
    secondary_factor: IntArray

    @classmethod
    def of(
        cls, codes: Sequence[str], primary_factor: npt.ArrayLike, secondary_factor: npt.ArrayLike
    ) -> Materials:
        """Return the material table, checked for one pair of factor indices per code."""
        primary, secondary = _ints(primary_factor), _ints(secondary_factor)
        if not (primary.shape == secondary.shape == (len(codes),)):
            raise CoreError("materials: one primary and one secondary factor index per material code")
        return cls(tuple(codes), primary, secondary)

    @classmethod
    def empty(cls) -> Materials:
        """Return a table without materials."""
        return cls.of((), (), ())


@dataclass(frozen=True)
class Composition:
    """Material content of parts per unit of the part, one row per (part, material), shape (c,) each."""

    part: IntArray
    material: IntArray
    mass_kg: FloatArray
    recycled_share: FloatArray

    @classmethod
    def of(
        cls,
        part: npt.ArrayLike,
        material: npt.ArrayLike,
        mass_kg: npt.ArrayLike,
        recycled_share: npt.ArrayLike | None = None,
    ) -> Composition:
        """Return composition rows; the recycled share defaults to 0."""
        p, m, mass = _ints(part), _ints(material), _floats(mass_kg)
        share = np.zeros_like(mass) if recycled_share is None else _floats(recycled_share)
        _same_length("composition", part=p, material=m, mass_kg=mass, recycled_share=share)
        return cls(p, m, mass, share)

    @classmethod
    def empty(cls) -> Composition:
        """Return no composition rows."""
        return cls.of((), (), ())


@dataclass(frozen=True)
class Activities:
    """Other direct activities of parts per unit of the part, shape (a,) each.

    ``amount`` is in the factor's unit (kWh, tonne-km, kg of gas released, EUR, kg of a bought
    part by category). ``primary_share`` is the share of the row's emissions that counts as
    primary data (PACT): 1 for activity measured at our own site, 0 for estimates.
    """

    part: IntArray
    factor: IntArray
    amount: FloatArray
    stage: IntArray
    primary_share: FloatArray

    @classmethod
    def of(
        cls,
        part: npt.ArrayLike,
        factor: npt.ArrayLike,
        amount: npt.ArrayLike,
        stage: npt.ArrayLike,
        primary_share: npt.ArrayLike | None = None,
    ) -> Activities:
        """Return activity rows; the primary share defaults to 0."""
        p, f, a, s = _ints(part), _ints(factor), _floats(amount), _ints(stage)
        ps = np.zeros_like(a) if primary_share is None else _floats(primary_share)
        _same_length("activities", part=p, factor=f, amount=a, stage=s, primary_share=ps)
        return cls(p, f, a, s, ps)

    @classmethod
    def empty(cls) -> Activities:
        """Return no activity rows."""
        return cls.of((), (), (), ())


@dataclass(frozen=True)
class SupplierPcfs:
    """Supplier PCFs held as primary data, one per part at most, shape (p,) each.

    ``primary_data_share`` is the supplier's own PACT primary data share of that PCF (0..1);
    ``quality`` its data quality rating (1 best … 5 worst).
    """

    part: IntArray
    fossil_kg_co2e: FloatArray
    biogenic_kg_co2e: FloatArray
    primary_data_share: FloatArray
    quality: FloatArray

    @classmethod
    def of(
        cls,
        part: npt.ArrayLike,
        fossil_kg_co2e: npt.ArrayLike,
        *,
        biogenic_kg_co2e: npt.ArrayLike | None = None,
        primary_data_share: npt.ArrayLike | None = None,
        quality: npt.ArrayLike | None = None,
    ) -> SupplierPcfs:
        """Return held PCFs; biogenic defaults to 0, primary data share to 1, quality to 2."""
        p, fossil = _ints(part), _floats(fossil_kg_co2e)
        bio = np.zeros_like(fossil) if biogenic_kg_co2e is None else _floats(biogenic_kg_co2e)
        pds = np.ones_like(fossil) if primary_data_share is None else _floats(primary_data_share)
        qual = np.full_like(fossil, 2.0) if quality is None else _floats(quality)
        _same_length("supplier PCFs", part=p, fossil=fossil, biogenic=bio, share=pds, quality=qual)
        return cls(p, fossil, bio, pds, qual)

    @classmethod
    def empty(cls) -> SupplierPcfs:
        """Return no PCFs."""
        return cls.of((), ())


@dataclass(frozen=True)
class GridPath:
    """A projected grid carbon intensity by year, shape (y,) each, years increasing.

    Between two years the intensity is interpolated linearly; before the first and after the
    last it is held at the end value.
    """

    years: IntArray
    kg_co2e_per_kwh: FloatArray

    @classmethod
    def of(cls, years: npt.ArrayLike, kg_co2e_per_kwh: npt.ArrayLike) -> GridPath:
        """Return a path, checked for increasing years and finite, non-negative values."""
        y, v = _ints(years), _floats(kg_co2e_per_kwh)
        if y.shape != v.shape or y.size == 0:
            raise CoreError("grid path: one value per year, at least one year")
        if np.any(np.diff(y) <= 0) or np.any(~np.isfinite(v)) or np.any(v < 0):
            raise CoreError("grid path: years must increase and values be finite and non-negative")
        return cls(y, v)


@dataclass(frozen=True)
class UsePhase:
    """Energy the product uses at the customer over its life.

    ``grid_factor`` (shape (c,)) indexes the factor set's location-based electricity factors of
    the countries where the installed base runs, ``share`` (shape (c,)) their shares, summing
    to 1. ``paths`` (empty, or one per country) gives projected decarbonisation; a country
    without a path keeps its factor's value every year. A fractional lifetime counts the last
    year in part.
    """

    energy_kwh_per_year: float
    lifetime_years: float
    start_year: int
    grid_factor: IntArray
    share: FloatArray
    paths: tuple[GridPath | None, ...] = ()

    @classmethod
    def of(
        cls,
        energy_kwh_per_year: float,
        lifetime_years: float,
        start_year: int,
        grid_factor: npt.ArrayLike,
        share: npt.ArrayLike | None = None,
        paths: Sequence[GridPath | None] = (),
    ) -> UsePhase:
        """Return a use phase; with one country the share defaults to 1."""
        g = _ints(grid_factor)
        if share is None and g.size != 1:
            raise CoreError("use phase: give the installed-base share of every country")
        s = np.ones(1) if share is None else _floats(share)
        if g.shape != s.shape or g.size == 0:
            raise CoreError("use phase: one share per grid factor, at least one country")
        if np.any(s < 0) or abs(float(s.sum()) - 1.0) > 1e-9:
            raise CoreError(
                f"use phase: installed-base shares must be non-negative and sum to 1, got {s.sum()}"
            )
        if paths and len(paths) != g.size:
            raise CoreError("use phase: give a path (or None) for every country, or none at all")
        if energy_kwh_per_year < 0 or lifetime_years < 0:
            raise CoreError("use phase: energy per year and lifetime must not be negative")
        return cls(float(energy_kwh_per_year), float(lifetime_years), int(start_year), g, s, tuple(paths))


@dataclass(frozen=True)
class FootprintInputs:
    """Everything a footprint is computed from, for the n parts of ``graph``.

    ``cut_off`` (shape (n,)) marks parts declared outside the system boundary under a cut-off
    criterion: they may lack emission data without raising. ``labels`` (shape (n,)) name parts
    in messages.
    """

    graph: BomGraph
    factors: Factors
    materials: Materials = field(default_factory=Materials.empty)
    composition: Composition = field(default_factory=Composition.empty)
    activities: Activities = field(default_factory=Activities.empty)
    pcfs: SupplierPcfs = field(default_factory=SupplierPcfs.empty)
    cut_off: BoolArray | None = None
    labels: tuple[str, ...] | None = None

    def label(self, part: int) -> str:
        """Return the name of ``part`` for messages."""
        return self.labels[part] if self.labels is not None else f"part {part}"


@dataclass(frozen=True)
class FootprintModel:
    """Inputs prepared for fast roll-ups: flat emission rows and per-part direct emissions.

    Factor positions run over the factor set's k factors, then one per held supplier PCF
    (K = k + p in all). Rows (shape (r,) each) carry part, factor, stage, amount and primary
    share, after dropping the rows a held PCF replaces. ``direct`` (shape (2, S, n): fossil then
    biogenic, stage-major so that a roll-up runs over contiguous memory) holds each part's own
    emissions per unit; ``direct_primary_gate`` and ``direct_primary_after`` (shape (n,)) their
    primary-data part before and after the gate.
    """

    inputs: FootprintInputs
    held: BoolArray
    gate_graph: BomGraph
    factor_codes: tuple[str, ...]
    factor_fossil: FloatArray
    factor_biogenic: FloatArray
    factor_gsd: FloatArray
    factor_quality: FloatArray
    factor_missing: tuple[str | None, ...]
    factor_fallback: IntArray
    row_part: IntArray
    row_factor: IntArray
    row_stage: IntArray
    row_amount: FloatArray
    row_primary_share: FloatArray
    direct: FloatArray
    direct_primary_gate: FloatArray
    direct_primary_after: FloatArray
    missing_gate: BoolArray
    missing_after: BoolArray
    missing_rows: tuple[tuple[int, bool, str], ...]

    @property
    def n(self) -> int:
        """Return the number of parts."""
        return self.inputs.graph.n


@dataclass(frozen=True)
class FootprintResult:
    """The footprint of ``quantity`` units of ``root``, all in kg CO2e.

    ``contributions`` (shape (2, S, n): fossil then biogenic) holds each part's contribution (its
    direct emissions × its quantity in the root) by stage; the use phase sits on the root.
    ``fossil_kg_co2e`` and ``biogenic_kg_co2e`` view it as (n, S).
    ``quantity_in_root`` (shape (n,)) is the explosion; ``quantity_in_gate`` (shape (n,)) the
    explosion that stops below parts with a supplier PCF, which cradle-to-gate figures weigh by
    (the same array when no part has one). ``fallbacks`` lists (factor, stand-in)
    pairs used; ``cut_off_parts`` the declared cut-off parts in the root.
    """

    root: int
    quantity: float
    quantity_in_root: FloatArray
    quantity_in_gate: FloatArray
    contributions: FloatArray
    by_stage_fossil: FloatArray
    by_stage_biogenic: FloatArray
    primary_kg_co2e: float
    fallbacks: tuple[tuple[str, str], ...] = ()
    cut_off_parts: tuple[int, ...] = ()

    @property
    def fossil_kg_co2e(self) -> FloatArray:
        """Return each part's fossil contribution by stage, shape (n, S)."""
        return np.asarray(self.contributions[0].T, dtype=np.float64)

    @property
    def biogenic_kg_co2e(self) -> FloatArray:
        """Return each part's biogenic contribution by stage, shape (n, S)."""
        return np.asarray(self.contributions[1].T, dtype=np.float64)

    @property
    def by_stage(self) -> FloatArray:
        """Return the total by stage, fossil plus biogenic, shape (S,)."""
        return self.by_stage_fossil + self.by_stage_biogenic

    @property
    def fossil_total_kg_co2e(self) -> float:
        """Return the fossil total."""
        return float(self.by_stage_fossil.sum())

    @property
    def biogenic_total_kg_co2e(self) -> float:
        """Return the biogenic total (emissions minus removals)."""
        return float(self.by_stage_biogenic.sum())

    @property
    def total_kg_co2e(self) -> float:
        """Return the total, fossil plus biogenic, for ``quantity`` units."""
        return float(self.by_stage.sum())

    @property
    def per_unit_kg_co2e(self) -> float:
        """Return the total per declared unit of the root."""
        return self.total_kg_co2e / self.quantity

    @property
    def cradle_to_gate_kg_co2e(self) -> float:
        """Return the cradle-to-gate total (the stages before use)."""
        return float(self.by_stage[:_N_GATE].sum())

    @property
    def by_part(self) -> FloatArray:
        """Return each part's contribution over all stages, fossil plus biogenic, shape (n,)."""
        return np.asarray(self.contributions.sum(axis=(0, 1)))

    @property
    def by_part_gate(self) -> FloatArray:
        """Return each part's cradle-to-gate contribution (the stages before use), shape (n,)."""
        return np.asarray(self.contributions[:, :_N_GATE].sum(axis=(0, 1)))

    @property
    def primary_data_share(self) -> float:
        """Return the PACT primary data share: primary-data emissions over the total (NaN if 0)."""
        total = self.total_kg_co2e
        return self.primary_kg_co2e / total if total != 0.0 else math.nan


# --------------------------------------------------------------------------- preparation


def _check_index(what: str, idx: IntArray, size: int) -> None:
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        raise CoreError(f"{what}: indices must lie in 0..{size - 1}")


def _resolve_factors(factors: Factors) -> tuple[FloatArray, FloatArray, FloatArray, list[str | None]]:
    """Return fossil, biogenic, gsd with declared fallbacks applied, and why each is still missing."""
    fossil = factors.fossil_kg_co2e.copy()
    biogenic = factors.biogenic_kg_co2e.copy()
    gsd = np.where(np.isnan(factors.gsd), gsd_for_quality(factors.quality), factors.gsd)
    absent = np.isnan(fossil) | np.isnan(biogenic)
    use_fallback = absent & (factors.fallback >= 0)
    fb = factors.fallback[use_fallback]
    usable = ~(np.isnan(factors.fossil_kg_co2e[fb]) | np.isnan(factors.biogenic_kg_co2e[fb]))
    targets = np.flatnonzero(use_fallback)[usable]
    sources = fb[usable]
    fossil[targets] = factors.fossil_kg_co2e[sources]
    biogenic[targets] = factors.biogenic_kg_co2e[sources]
    gsd[targets] = gsd[sources]
    still = np.isnan(fossil) | np.isnan(biogenic)
    reasons: list[str | None] = [None] * len(factors.codes)
    for j in np.flatnonzero(still).tolist():
        reasons[j] = f"factor {factors.codes[j]!r} has no value in this factor set"
    return fossil, biogenic, np.asarray(gsd, dtype=np.float64), reasons


def prepare(inputs: FootprintInputs) -> FootprintModel:
    """Return the inputs flattened into emission rows and per-part direct emissions by stage.

    Raises CoreError for inconsistent inputs (indices out of range, negative masses, recycled
    shares outside 0..1, two PCFs for one part). Missing factors are recorded here and raised
    by :func:`footprint` only for the parts a root actually contains.
    """
    graph, factors, materials = inputs.graph, inputs.factors, inputs.materials
    comp, act, pcfs = inputs.composition, inputs.activities, inputs.pcfs
    n, k = graph.n, len(factors.codes)

    _check_index("composition parts", comp.part, n)
    _check_index("composition materials", comp.material, len(materials.codes))
    _check_index("activity parts", act.part, n)
    _check_index("activity factors", act.factor, k)
    _check_index("activity stages", act.stage, N_STAGES)
    _check_index("supplier PCF parts", pcfs.part, n)
    for what, idx in (("primary", materials.primary_factor), ("secondary", materials.secondary_factor)):
        if idx.size and (idx.min() < -1 or idx.max() >= k):
            raise CoreError(f"materials: {what} factor indices must lie in -1..{k - 1}")
    if np.any(~np.isfinite(comp.mass_kg)) or np.any(comp.mass_kg < 0):
        raise CoreError("composition: masses must be finite and not negative")
    if np.any(~(comp.recycled_share >= 0) | ~(comp.recycled_share <= 1)):
        raise CoreError("composition: recycled shares must lie between 0 and 1")
    if np.any(~np.isfinite(act.amount)):
        raise CoreError("activities: amounts must be finite")
    for name, share in (("activities", act.primary_share), ("supplier PCFs", pcfs.primary_data_share)):
        if np.any(~(share >= 0) | ~(share <= 1)):
            raise CoreError(f"{name}: primary data shares must lie between 0 and 1")
    if np.any(~np.isfinite(pcfs.fossil_kg_co2e)) or np.any(~np.isfinite(pcfs.biogenic_kg_co2e)):
        raise CoreError("supplier PCFs: values must be finite")
    if np.unique(pcfs.part).size != pcfs.part.size:
        raise CoreError("supplier PCFs: at most one PCF per part; choose the valid one first")
    cut_off = np.zeros(n, dtype=bool) if inputs.cut_off is None else np.asarray(inputs.cut_off, dtype=bool)
    if cut_off.shape != (n,):
        raise CoreError(f"cut_off must have one flag per part ({n})")

    held = np.zeros(n, dtype=bool)
    held[pcfs.part] = True
    fossil_k, biogenic_k, gsd_k, reasons_k = _resolve_factors(factors)
    p = pcfs.part.size
    factor_fossil = np.concatenate([fossil_k, pcfs.fossil_kg_co2e])
    factor_biogenic = np.concatenate([biogenic_k, pcfs.biogenic_kg_co2e])
    factor_gsd = np.concatenate([gsd_k, gsd_for_quality(pcfs.quality)])
    quality_k = factors.quality.copy()
    stand_in = np.isnan(factors.fossil_kg_co2e) & (factors.fallback >= 0)
    quality_k[stand_in] = factors.quality[factors.fallback[stand_in]]
    factor_quality = np.concatenate([quality_k, pcfs.quality])
    factor_codes = factors.codes + tuple(_PCF_CODE.format(label=inputs.label(int(i))) for i in pcfs.part)
    factor_missing: tuple[str | None, ...] = (*reasons_k, *([None] * p))
    fallback = np.concatenate([factors.fallback, np.full(p, -1, dtype=np.int64)])

    # Composition → two rows per material line, one per route; a missing route factor is -1.
    c_part = np.concatenate([comp.part, comp.part])
    c_factor = np.concatenate(
        [materials.primary_factor[comp.material], materials.secondary_factor[comp.material]]
    )
    c_amount = np.concatenate(
        [comp.mass_kg * (1.0 - comp.recycled_share), comp.mass_kg * comp.recycled_share]
    )
    c_material = np.concatenate([comp.material, comp.material])
    c_route = np.repeat(np.array([0, 1]), comp.part.size)

    r_part = np.concatenate([c_part, act.part, pcfs.part])
    r_factor = np.concatenate([c_factor, act.factor, k + np.arange(p, dtype=np.int64)])
    r_stage = np.concatenate(
        [np.full(c_part.size, int(Stage.MATERIALS)), act.stage, np.full(p, int(Stage.PURCHASED_PARTS))]
    )
    r_amount = np.concatenate([c_amount, act.amount, np.ones(p)])
    r_primary = np.concatenate([np.zeros(c_part.size), act.primary_share, pcfs.primary_data_share])
    from_pcf = np.concatenate([np.zeros(c_part.size + act.part.size, dtype=bool), np.ones(p, dtype=bool)])

    # A part needs cradle-to-gate data of some kind, unless it has children, a PCF or is cut off.
    gate_row = r_stage < _N_GATE
    has_gate_data = np.bincount(r_part[gate_row], minlength=n) > 0
    has_children = np.bincount(graph.edge_parent, minlength=n) > 0
    bare = ~(has_gate_data | has_children | held | cut_off)

    keep = ~(held[r_part] & _REPLACED_BY_PCF[r_stage] & ~from_pcf) & (r_amount != 0.0)
    r_part, r_factor, r_stage = r_part[keep], r_factor[keep], r_stage[keep]
    r_amount, r_primary = r_amount[keep], r_primary[keep]
    c_material, c_route = c_material[keep[: c_part.size]], c_route[keep[: c_part.size]]

    no_route = r_factor < 0
    safe_factor = np.where(no_route, 0, r_factor)
    missing_value = np.isnan(factor_fossil[safe_factor]) | np.isnan(factor_biogenic[safe_factor]) | no_route
    missing_rows: list[tuple[int, bool, str]] = []
    for i in np.flatnonzero(missing_value).tolist():
        part, stage = int(r_part[i]), int(r_stage[i])
        if no_route[i]:
            route = "secondary (recycled)" if c_route[i] == 1 else "primary"
            what = f"material {materials.codes[int(c_material[i])]!r} has no {route} factor"
        else:
            what = factor_missing[int(r_factor[i])] or "factor without value"
        missing_rows.append((part, stage < _N_GATE, what))
    for part in np.flatnonzero(bare).tolist():
        missing_rows.append((part, True, "no composition, activity or supplier PCF"))

    value_fossil = np.where(missing_value, 0.0, factor_fossil[safe_factor]) * r_amount
    value_biogenic = np.where(missing_value, 0.0, factor_biogenic[safe_factor]) * r_amount
    cell = r_stage * n + r_part
    direct = np.stack(
        [
            _weighted_bincount(cell, value_fossil, N_STAGES * n).reshape(N_STAGES, n),
            _weighted_bincount(cell, value_biogenic, N_STAGES * n).reshape(N_STAGES, n),
        ]
    )
    primary_value = (value_fossil + value_biogenic) * r_primary
    gate = r_stage < _N_GATE
    direct_primary_gate = _weighted_bincount(r_part[gate], primary_value[gate], n)
    direct_primary_after = _weighted_bincount(r_part[~gate], primary_value[~gate], n)

    missing_gate = np.zeros(n, dtype=bool)
    missing_after = np.zeros(n, dtype=bool)
    for part, is_gate, _ in missing_rows:
        (missing_gate if is_gate else missing_after)[part] = True

    cut_q = np.where(held[graph.edge_parent], 0.0, graph.edge_quantity)
    gate_graph = dataclasses.replace(graph, edge_quantity=cut_q) if held.any() else graph
    return FootprintModel(
        inputs=inputs,
        held=held,
        gate_graph=gate_graph,
        factor_codes=factor_codes,
        factor_fossil=factor_fossil,
        factor_biogenic=factor_biogenic,
        factor_gsd=factor_gsd,
        factor_quality=factor_quality,
        factor_missing=factor_missing,
        factor_fallback=fallback,
        row_part=r_part,
        row_factor=np.where(no_route, -1, r_factor),
        row_stage=r_stage,
        row_amount=r_amount,
        row_primary_share=r_primary,
        direct=direct,
        direct_primary_gate=direct_primary_gate,
        direct_primary_after=direct_primary_after,
        missing_gate=missing_gate,
        missing_after=missing_after,
        missing_rows=tuple(missing_rows),
    )


# --------------------------------------------------------------------------- roll-up


def _use_phase_terms(model: FootprintModel, use: UsePhase) -> tuple[IntArray, FloatArray, list[str]]:
    """Return the grid factors, their effective kWh per product, and what is missing, shape (c,)."""
    k = len(model.inputs.factors.codes)
    _check_index("use phase grid factors", use.grid_factor, k)
    whole = math.ceil(use.lifetime_years)
    t = np.arange(whole, dtype=np.int64)
    weight = np.minimum(1.0, use.lifetime_years - t)
    years = use.start_year + t
    kwh = np.empty(use.grid_factor.size)
    missing: list[str] = []
    for c, j in enumerate(use.grid_factor.tolist()):
        base = use.energy_kwh_per_year * float(use.share[c])
        path = use.paths[c] if use.paths else None
        value = float(model.factor_fossil[j] + model.factor_biogenic[j])
        reason = model.factor_missing[j]
        if reason is not None:
            missing.append(reason)
            kwh[c] = 0.0
        elif path is None:
            kwh[c] = base * float(weight.sum())
        else:
            # The path scales the factor year by year, so one Monte Carlo draw of the factor
            # moves the whole path and the result stays linear in the factor.
            intensity = np.interp(years, path.years, path.kg_co2e_per_kwh)
            expected = base * float(np.dot(weight, intensity))
            if value == 0.0:
                if expected != 0.0:
                    raise CoreError(
                        f"use phase: factor {model.factor_codes[j]!r} is 0 but its path is not; "
                        "a path scales its factor, so give the factor the path's current value"
                    )
                kwh[c] = 0.0
            else:
                kwh[c] = expected / value
    return use.grid_factor, kwh, missing


def _raise_missing(model: FootprintModel, x_gate: FloatArray, x_full: FloatArray, extra: list[str]) -> None:
    needed_gate = model.missing_gate & (x_gate > 0)
    needed_after = model.missing_after & (x_full > 0)
    if not (needed_gate.any() or needed_after.any() or extra):
        return
    found = [
        (model.inputs.label(part), what)
        for part, is_gate, what in model.missing_rows
        if (needed_gate[part] if is_gate else needed_after[part])
    ]
    found.extend(("use phase", what) for what in extra)
    raise MissingFactorError(found)


def _explosions(model: FootprintModel, root: int, quantity: float) -> tuple[FloatArray, FloatArray]:
    x_full = explode(model.inputs.graph, root, quantity)
    x_gate = explode(model.gate_graph, root, quantity) if model.held.any() else x_full
    return x_gate, x_full


def _fallbacks_used(
    model: FootprintModel, x_gate: FloatArray, x_full: FloatArray
) -> tuple[tuple[str, str], ...]:
    factors = model.inputs.factors
    k = len(factors.codes)
    substituted = np.zeros(len(model.factor_codes), dtype=bool)
    substituted[:k] = np.isnan(factors.fossil_kg_co2e) | np.isnan(factors.biogenic_kg_co2e)
    substituted[:k] &= factors.fallback >= 0
    if not substituted.any():
        return ()
    rows = (model.row_factor >= 0) & substituted[np.maximum(model.row_factor, 0)]
    weight = np.where(
        model.row_stage[rows] < _N_GATE, x_gate[model.row_part[rows]], x_full[model.row_part[rows]]
    )
    used = np.unique(model.row_factor[rows][weight > 0])
    return tuple((factors.codes[j], factors.codes[int(factors.fallback[j])]) for j in used.tolist())


DQR_THRESHOLD = 0.05
"""PACT rates the data of the inputs that each bring more than 5 % of the cradle-to-gate PCF."""


@dataclass(frozen=True)
class DataQuality:
    """The emission-weighted data quality of a cradle-to-gate footprint.

    ``rating`` is keten's 1 (best) … 5 (worst) averaged over the factors (emission factors and
    supplier PCFs) that each bring more than ``DQR_THRESHOLD`` of the emissions, weighted by their
    emissions; ``coverage`` is the share of the emissions those factors bring. ``pact_dqr`` is the
    rating on PACT's scale of 1 (good) … 3 (poor). NaN when nothing is emitted.
    """

    rating: float
    coverage: float

    @property
    def pact_dqr(self) -> float:
        """Return the rating mapped linearly from 1..5 onto PACT's 1..3."""
        return 1.0 + (self.rating - 1.0) / 2.0


def data_quality(model: FootprintModel, result: FootprintResult) -> DataQuality:
    """Return the emission-weighted data quality of ``result``'s cradle-to-gate part."""
    x_gate = result.quantity_in_gate
    gate = (model.row_stage < _N_GATE) & (model.row_factor >= 0)
    factor = model.row_factor[gate]
    value = model.factor_fossil[factor] + model.factor_biogenic[factor]
    emitted = np.nan_to_num(value) * model.row_amount[gate] * x_gate[model.row_part[gate]]
    by_factor = np.bincount(factor, weights=np.abs(emitted), minlength=len(model.factor_codes))
    total = float(by_factor.sum())
    if total <= 0.0:
        return DataQuality(math.nan, math.nan)
    rated = by_factor > DQR_THRESHOLD * total
    if not rated.any():
        rated = by_factor > 0.0
    weight = by_factor[rated]
    rating = float(np.dot(weight, model.factor_quality[rated]) / weight.sum())
    return DataQuality(rating, float(weight.sum()) / total)


def footprint(
    model: FootprintModel, root: int, *, quantity: float = 1.0, use: UsePhase | None = None
) -> FootprintResult:
    """Return the footprint of ``quantity`` units of ``root``, by part and stage.

    Raises MissingFactorError naming every part of the root that lacks a factor.
    """
    if quantity <= 0:
        raise CoreError("the declared quantity must be positive")
    x_gate, x_full = _explosions(model, root, quantity)
    use_terms = _use_phase_terms(model, use) if use is not None else None
    _raise_missing(model, x_gate, x_full, use_terms[2] if use_terms else [])

    contributions = np.empty_like(model.direct)
    np.multiply(model.direct[:, :_N_GATE], x_gate, out=contributions[:, :_N_GATE])
    np.multiply(model.direct[:, _N_GATE:], x_full, out=contributions[:, _N_GATE:])
    if use_terms is not None:
        grid, kwh, _ = use_terms
        contributions[0, Stage.USE, root] += quantity * float(np.dot(kwh, model.factor_fossil[grid]))
        contributions[1, Stage.USE, root] += quantity * float(np.dot(kwh, model.factor_biogenic[grid]))
    by_stage = contributions.sum(axis=2)
    primary = float(np.dot(x_gate, model.direct_primary_gate) + np.dot(x_full, model.direct_primary_after))
    cut_off = model.inputs.cut_off
    cut_parts = () if cut_off is None else tuple(np.flatnonzero(np.asarray(cut_off) & (x_full > 0)).tolist())
    return FootprintResult(
        root=root,
        quantity=float(quantity),
        quantity_in_root=x_full,
        quantity_in_gate=x_gate,
        contributions=contributions,
        by_stage_fossil=by_stage[0],
        by_stage_biogenic=by_stage[1],
        primary_kg_co2e=primary,
        fallbacks=_fallbacks_used(model, x_gate, x_full),
        cut_off_parts=cut_parts,
    )


def footprints_per_unit(model: FootprintModel) -> FloatArray:
    """Return every part's own cradle-to-grave footprint per unit, without use phase, shape (n, S).

    One bottom-up pass over the BOM levels: a part's value is its direct emissions plus its
    children's values times their quantities (a held PCF stops the cradle-to-gate stages).
    Parts whose footprint needs a missing factor hold NaN, never a partial number.
    """
    graph = model.inputs.graph
    n = graph.n
    total = model.direct[0] + model.direct[1]
    total[:_N_GATE, model.missing_gate] = np.nan
    total[_N_GATE:, model.missing_after] = np.nan
    ptr = graph.level_ptr
    gate_q = model.gate_graph.edge_quantity
    for lvl in range(len(ptr) - 2, -1, -1):
        lo, hi = int(ptr[lvl]), int(ptr[lvl + 1])
        if lo == hi:
            continue
        parent, child = graph.edge_parent[lo:hi], graph.edge_child[lo:hi]
        for s in range(N_STAGES):
            q = gate_q[lo:hi] if s < _N_GATE else graph.edge_quantity[lo:hi]
            flow = total[s, child] * q
            live = q != 0.0
            total[s] += _weighted_bincount(parent[live], flow[live], n)
    return np.asarray(total.T, dtype=np.float64)


# --------------------------------------------------------------------------- hotspots


@dataclass(frozen=True)
class Hotspot:
    """One part's place in a footprint: its contribution, share of the total and largest stage."""

    part: int
    label: str
    kg_co2e: float
    share: float
    stage: Stage


def hotspots(
    model: FootprintModel, result: FootprintResult, top: int = 10, *, gate: bool = False
) -> tuple[Hotspot, ...]:
    """Return the ``top`` parts with the largest contributions, largest first.

    With ``gate`` only the cradle-to-gate stages count, and shares are of the cradle-to-gate
    total: the use phase of a machine would otherwise dwarf every part it is made of.
    """
    by_part = result.by_part_gate if gate else result.by_part
    top = min(top, by_part.size)
    if top <= 0:
        return ()
    candidates = np.argpartition(-by_part, top - 1)[:top]
    order = candidates[np.argsort(-by_part[candidates], kind="stable")]
    stages = result.contributions[:, :_N_GATE] if gate else result.contributions
    stage_totals = stages[:, :, order].sum(axis=0).T
    total = result.cradle_to_gate_kg_co2e if gate else result.total_kg_co2e
    return tuple(
        Hotspot(
            part=int(i),
            label=model.inputs.label(int(i)),
            kg_co2e=float(by_part[i]),
            share=float(by_part[i] / total) if total else math.nan,
            stage=Stage(int(np.argmax(stage_totals[row]))),
        )
        for row, i in enumerate(order.tolist())
    )


# --------------------------------------------------------------------------- factor loadings and Monte Carlo


@dataclass(frozen=True)
class FactorLoadings:
    """How much of a footprint comes through each factor, kg CO2e, shape (K, S).

    Positions follow ``FootprintModel.factor_codes`` (the factor set, then held supplier PCFs);
    summing over factors gives the footprint by stage. This is the by-material and by-grid
    breakdown, and the linear map Monte Carlo samples through.
    """

    codes: tuple[str, ...]
    kg_co2e: FloatArray

    @property
    def by_factor(self) -> FloatArray:
        """Return each factor's share of the total in kg CO2e, shape (K,)."""
        return np.asarray(self.kg_co2e.sum(axis=1))


def factor_loadings(
    model: FootprintModel, root: int, *, quantity: float = 1.0, use: UsePhase | None = None
) -> FactorLoadings:
    """Return the footprint of ``quantity`` units of ``root`` split by factor and stage."""
    x_gate, x_full = _explosions(model, root, quantity)
    use_terms = _use_phase_terms(model, use) if use is not None else None
    _raise_missing(model, x_gate, x_full, use_terms[2] if use_terms else [])
    K = len(model.factor_codes)
    ok = model.row_factor >= 0
    part, factor, stage = model.row_part[ok], model.row_factor[ok], model.row_stage[ok]
    weight = np.where(stage < _N_GATE, x_gate[part], x_full[part]) * model.row_amount[ok]
    value = (model.factor_fossil + model.factor_biogenic)[factor] * weight
    valid = weight != 0.0
    cell = factor[valid] * N_STAGES + stage[valid]
    loads = _weighted_bincount(cell, value[valid], K * N_STAGES).reshape(K, N_STAGES)
    if use_terms is not None:
        grid, kwh, _ = use_terms
        value_use = quantity * kwh * (model.factor_fossil[grid] + model.factor_biogenic[grid])
        np.add.at(loads[:, Stage.USE], grid, value_use)
    return FactorLoadings(model.factor_codes, loads)


@dataclass(frozen=True)
class Uncertainty:
    """Monte Carlo percentiles of a footprint, kg CO2e for the result's quantity.

    ``by_stage_p5``, ``by_stage_p50``, ``by_stage_p95`` have shape (S,); ``samples`` holds the
    total of every iteration, shape (iterations,).
    """

    iterations: int
    seed: int | None
    deterministic_kg_co2e: float
    p5: float
    p50: float
    p95: float
    mean: float
    std: float
    by_stage_p5: FloatArray
    by_stage_p50: FloatArray
    by_stage_p95: FloatArray
    samples: FloatArray


def monte_carlo(
    model: FootprintModel,
    root: int,
    *,
    iterations: int = 1000,
    seed: int | None = None,
    quantity: float = 1.0,
    use: UsePhase | None = None,
    max_chunk_bytes: int = 64 * 2**20,
) -> Uncertainty:
    """Return the 5th, 50th and 95th percentiles of the footprint under factor uncertainty.

    Each factor (and each held supplier PCF) gets one lognormal multiplier per iteration with
    median 1 and its geometric standard deviation, shared by every part that uses it. The
    iterations × factors draws are made in chunks of at most ``max_chunk_bytes``. The same
    seed gives the same result.
    """
    if iterations < 1:
        raise CoreError("Monte Carlo needs at least one iteration")
    loads = factor_loadings(model, root, quantity=quantity, use=use).kg_co2e
    sigma = np.log(model.factor_gsd)
    active = np.flatnonzero(np.any(loads != 0.0, axis=1))
    fixed = loads[active[sigma[active] == 0.0]].sum(axis=0)
    varying = active[sigma[active] > 0.0]
    load_v = loads[varying]
    sigma_v = sigma[varying]
    rng = np.random.default_rng(seed)
    by_stage = np.empty((iterations, N_STAGES))
    chunk = max(1, min(iterations, max_chunk_bytes // max(8 * varying.size, 1)))
    for start in range(0, iterations, chunk):
        stop = min(iterations, start + chunk)
        draws = rng.standard_normal((stop - start, varying.size))
        draws *= sigma_v
        np.exp(draws, out=draws)
        by_stage[start:stop] = draws @ load_v + fixed
    totals = by_stage.sum(axis=1)
    p5, p50, p95 = np.percentile(totals, [5, 50, 95])
    stage_p = np.percentile(by_stage, [5, 50, 95], axis=0)
    return Uncertainty(
        iterations=iterations,
        seed=seed,
        deterministic_kg_co2e=float(loads.sum()),
        p5=float(p5),
        p50=float(p50),
        p95=float(p95),
        mean=float(totals.mean()),
        std=float(totals.std()),
        by_stage_p5=stage_p[0],
        by_stage_p50=stage_p[1],
        by_stage_p95=stage_p[2],
        samples=totals,
    )


# --------------------------------------------------------------------------- what-if


@dataclass(frozen=True)
class WhatIf:
    """A footprint before and after one change, and the difference (after − before)."""

    before: FootprintResult
    after: FootprintResult

    @property
    def delta_kg_co2e(self) -> float:
        """Return the change of the total."""
        return self.after.total_kg_co2e - self.before.total_kg_co2e

    @property
    def delta_by_stage(self) -> FloatArray:
        """Return the change by stage, shape (S,)."""
        return self.after.by_stage - self.before.by_stage

    @property
    def delta_by_part(self) -> FloatArray:
        """Return the change of each part's contribution, shape (n,)."""
        return self.after.by_part - self.before.by_part


def what_if(
    model: FootprintModel,
    changed: FootprintInputs,
    root: int,
    *,
    quantity: float = 1.0,
    use: UsePhase | None = None,
    use_after: UsePhase | None = None,
) -> WhatIf:
    """Return the footprint of ``root`` under ``model`` and under ``changed`` inputs.

    ``use_after`` replaces the use phase in the second (default: the same as ``use``).
    Nothing is modified.
    """
    before = footprint(model, root, quantity=quantity, use=use)
    after_model = model if changed is model.inputs else prepare(changed)
    after = footprint(after_model, root, quantity=quantity, use=use_after if use_after is not None else use)
    return WhatIf(before, after)


def _part_mask(n: int, parts: Sequence[int] | None) -> BoolArray:
    if parts is None:
        return np.ones(n, dtype=bool)
    mask = np.zeros(n, dtype=bool)
    mask[_ints(list(parts))] = True
    return mask


def with_factor_value(
    inputs: FootprintInputs, factor: int, *, fossil_kg_co2e: float, biogenic_kg_co2e: float = 0.0
) -> FootprintInputs:
    """Return the inputs with one factor's value replaced (e.g. a site's electricity contract)."""
    f = inputs.factors
    _check_index("factor", _ints([factor]), len(f.codes))
    fossil, biogenic = f.fossil_kg_co2e.copy(), f.biogenic_kg_co2e.copy()
    fossil[factor], biogenic[factor] = fossil_kg_co2e, biogenic_kg_co2e
    return dataclasses.replace(
        inputs, factors=dataclasses.replace(f, fossil_kg_co2e=fossil, biogenic_kg_co2e=biogenic)
    )


def with_activity_factor(
    inputs: FootprintInputs,
    old_factor: int,
    new_factor: int,
    *,
    parts: Sequence[int] | None = None,
    stage: Stage | None = None,
) -> FootprintInputs:
    """Return the inputs with activity rows moved from one factor to another.

    Limited to ``parts`` and ``stage`` when given: a site's electricity switched to another
    supply, a part's transport to another mode.
    """
    act = inputs.activities
    _check_index("factor", _ints([old_factor, new_factor]), len(inputs.factors.codes))
    rows = (act.factor == old_factor) & _part_mask(inputs.graph.n, parts)[act.part]
    if stage is not None:
        rows &= act.stage == int(stage)
    return dataclasses.replace(
        inputs, activities=dataclasses.replace(act, factor=np.where(rows, new_factor, act.factor))
    )


def with_material(
    inputs: FootprintInputs, old_material: int, new_material: int, *, parts: Sequence[int] | None = None
) -> FootprintInputs:
    """Return the inputs with one material replaced by another, in ``parts`` or everywhere."""
    comp = inputs.composition
    _check_index("material", _ints([old_material, new_material]), len(inputs.materials.codes))
    rows = (comp.material == old_material) & _part_mask(inputs.graph.n, parts)[comp.part]
    return dataclasses.replace(
        inputs, composition=dataclasses.replace(comp, material=np.where(rows, new_material, comp.material))
    )


def with_recycled_share(
    inputs: FootprintInputs, part: int, material: int, recycled_share: float
) -> FootprintInputs:
    """Return the inputs with the recycled share of one material in one part replaced."""
    comp = inputs.composition
    rows = (comp.part == part) & (comp.material == material)
    if not rows.any():
        raise CoreError(f"{inputs.label(part)} contains no material {material}")
    share = np.where(rows, recycled_share, comp.recycled_share)
    return dataclasses.replace(inputs, composition=dataclasses.replace(comp, recycled_share=share))


def with_supplier_pcf(
    inputs: FootprintInputs,
    part: int,
    *,
    fossil_kg_co2e: float | None,
    biogenic_kg_co2e: float = 0.0,
    primary_data_share: float = 1.0,
    quality: float = 2.0,
) -> FootprintInputs:
    """Return the inputs with a part's supplier PCF replaced, added, or removed (``None``).

    This is the core of switching supplier: the new supplier's PCF, or none and the part's own
    rows count again.
    """
    pcfs = inputs.pcfs
    keep = pcfs.part != part
    arrays = [pcfs.part[keep], pcfs.fossil_kg_co2e[keep], pcfs.biogenic_kg_co2e[keep]]
    arrays += [pcfs.primary_data_share[keep], pcfs.quality[keep]]
    if fossil_kg_co2e is not None:
        extra = (part, fossil_kg_co2e, biogenic_kg_co2e, primary_data_share, quality)
        arrays = [np.append(a, v) for a, v in zip(arrays, extra, strict=True)]
    new = SupplierPcfs.of(
        arrays[0], arrays[1], biogenic_kg_co2e=arrays[2], primary_data_share=arrays[3], quality=arrays[4]
    )
    return dataclasses.replace(inputs, pcfs=new)


def _what_if_with(
    model: FootprintModel,
    root: int,
    change: Callable[[FootprintInputs], FootprintInputs],
    quantity: float,
    use: UsePhase | None,
) -> WhatIf:
    return what_if(model, change(model.inputs), root, quantity=quantity, use=use)


def what_if_factor_value(
    model: FootprintModel,
    root: int,
    factor: int,
    *,
    fossil_kg_co2e: float,
    biogenic_kg_co2e: float = 0.0,
    quantity: float = 1.0,
    use: UsePhase | None = None,
) -> WhatIf:
    """Return the footprint before and after giving one factor another value."""
    return _what_if_with(
        model,
        root,
        lambda i: with_factor_value(
            i, factor, fossil_kg_co2e=fossil_kg_co2e, biogenic_kg_co2e=biogenic_kg_co2e
        ),
        quantity,
        use,
    )


def what_if_activity_factor(
    model: FootprintModel,
    root: int,
    old_factor: int,
    new_factor: int,
    *,
    parts: Sequence[int] | None = None,
    stage: Stage | None = None,
    quantity: float = 1.0,
    use: UsePhase | None = None,
) -> WhatIf:
    """Return the footprint before and after moving activity rows to another factor."""
    return _what_if_with(
        model,
        root,
        lambda i: with_activity_factor(i, old_factor, new_factor, parts=parts, stage=stage),
        quantity,
        use,
    )


def what_if_material(
    model: FootprintModel,
    root: int,
    old_material: int,
    new_material: int,
    *,
    parts: Sequence[int] | None = None,
    quantity: float = 1.0,
    use: UsePhase | None = None,
) -> WhatIf:
    """Return the footprint before and after replacing a material."""
    return _what_if_with(
        model, root, lambda i: with_material(i, old_material, new_material, parts=parts), quantity, use
    )


def what_if_recycled_share(
    model: FootprintModel,
    root: int,
    part: int,
    material: int,
    recycled_share: float,
    *,
    quantity: float = 1.0,
    use: UsePhase | None = None,
) -> WhatIf:
    """Return the footprint before and after changing a part's recycled share of a material."""
    return _what_if_with(
        model, root, lambda i: with_recycled_share(i, part, material, recycled_share), quantity, use
    )


def what_if_supplier_pcf(
    model: FootprintModel,
    root: int,
    part: int,
    *,
    fossil_kg_co2e: float | None,
    biogenic_kg_co2e: float = 0.0,
    primary_data_share: float = 1.0,
    quality: float = 2.0,
    quantity: float = 1.0,
    use: UsePhase | None = None,
) -> WhatIf:
    """Return the footprint before and after replacing (or dropping) a part's supplier PCF."""
    return _what_if_with(
        model,
        root,
        lambda i: with_supplier_pcf(
            i,
            part,
            fossil_kg_co2e=fossil_kg_co2e,
            biogenic_kg_co2e=biogenic_kg_co2e,
            primary_data_share=primary_data_share,
            quality=quality,
        ),
        quantity,
        use,
    )
