"""What a footprint is computed from: stages, emission factors, materials, composition, activities,
supplier PCFs, grid paths and the use phase, each a set of aligned arrays checked when built."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np
import numpy.typing as npt

from keten.core.bom import BomGraph
from keten.core.errors import CoreError

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
