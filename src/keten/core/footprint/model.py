"""The prepared model: the inputs flattened into emission rows and per-part direct emissions by
stage, and the result of a roll-up."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from keten.core.bom import BomGraph
from keten.core.errors import CoreError
from keten.core.footprint.inputs import (
    _N_GATE,
    _PCF_CODE,
    _REPLACED_BY_PCF,
    N_STAGES,
    BoolArray,
    Factors,
    FloatArray,
    FootprintInputs,
    IntArray,
    Stage,
    _weighted_bincount,
    gsd_for_quality,
)


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


def _check(inputs: FootprintInputs) -> BoolArray:
    """Raise CoreError for inconsistent inputs; return the cut-off flag of every part."""
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
    return cut_off


@dataclass(frozen=True)
class _FactorTable:
    """The factor set's factors (fallbacks applied) followed by one factor per supplier PCF."""

    codes: tuple[str, ...]
    fossil: FloatArray
    biogenic: FloatArray
    gsd: FloatArray
    quality: FloatArray
    missing: tuple[str | None, ...]
    fallback: IntArray


def _factor_table(inputs: FootprintInputs) -> _FactorTable:
    factors, pcfs = inputs.factors, inputs.pcfs
    fossil_k, biogenic_k, gsd_k, reasons_k = _resolve_factors(factors)
    p = pcfs.part.size
    quality_k = factors.quality.copy()
    stand_in = np.isnan(factors.fossil_kg_co2e) & (factors.fallback >= 0)
    quality_k[stand_in] = factors.quality[factors.fallback[stand_in]]
    return _FactorTable(
        codes=factors.codes + tuple(_PCF_CODE.format(label=inputs.label(int(i))) for i in pcfs.part),
        fossil=np.concatenate([fossil_k, pcfs.fossil_kg_co2e]),
        biogenic=np.concatenate([biogenic_k, pcfs.biogenic_kg_co2e]),
        gsd=np.concatenate([gsd_k, gsd_for_quality(pcfs.quality)]),
        quality=np.concatenate([quality_k, pcfs.quality]),
        missing=(*reasons_k, *([None] * p)),
        fallback=np.concatenate([factors.fallback, np.full(p, -1, dtype=np.int64)]),
    )


@dataclass(frozen=True)
class _Rows:
    """Emission rows: composition (one per material route), activities, supplier PCFs, shape (r,) each."""

    part: IntArray
    factor: IntArray
    """-1 where a material has no factor for the route."""
    stage: IntArray
    amount: FloatArray
    primary: FloatArray
    material: IntArray
    """The material of a composition row (its first rows), shape (c,)."""
    route: IntArray
    """0 primary, 1 secondary, of a composition row, shape (c,)."""


def _rows(inputs: FootprintInputs, held: BoolArray) -> _Rows:
    """The emission rows of the inputs, without those a held supplier PCF replaces and zero amounts."""
    comp, act, pcfs, materials = inputs.composition, inputs.activities, inputs.pcfs, inputs.materials
    k, p = len(inputs.factors.codes), pcfs.part.size
    c_part = np.concatenate([comp.part, comp.part])
    c_factor = np.concatenate(
        [materials.primary_factor[comp.material], materials.secondary_factor[comp.material]]
    )
    c_amount = np.concatenate(
        [comp.mass_kg * (1.0 - comp.recycled_share), comp.mass_kg * comp.recycled_share]
    )
    r_part = np.concatenate([c_part, act.part, pcfs.part])
    r_stage = np.concatenate(
        [np.full(c_part.size, int(Stage.MATERIALS)), act.stage, np.full(p, int(Stage.PURCHASED_PARTS))]
    )
    r_amount = np.concatenate([c_amount, act.amount, np.ones(p)])
    from_pcf = np.concatenate([np.zeros(c_part.size + act.part.size, dtype=bool), np.ones(p, dtype=bool)])
    keep = ~(held[r_part] & _REPLACED_BY_PCF[r_stage] & ~from_pcf) & (r_amount != 0.0)
    return _Rows(
        part=r_part[keep],
        factor=np.concatenate([c_factor, act.factor, k + np.arange(p, dtype=np.int64)])[keep],
        stage=r_stage[keep],
        amount=r_amount[keep],
        primary=np.concatenate([np.zeros(c_part.size), act.primary_share, pcfs.primary_data_share])[keep],
        material=np.concatenate([comp.material, comp.material])[keep[: c_part.size]],
        route=np.repeat(np.array([0, 1]), comp.part.size)[keep[: c_part.size]],
    )


def _missing(
    inputs: FootprintInputs, rows: _Rows, table: _FactorTable, missing_value: BoolArray, bare: BoolArray
) -> list[tuple[int, bool, str]]:
    """(part, cradle-to-gate?, what is missing) for every row without a value and every bare part."""
    no_route = rows.factor < 0
    found: list[tuple[int, bool, str]] = []
    for i in np.flatnonzero(missing_value).tolist():
        part, stage = int(rows.part[i]), int(rows.stage[i])
        if no_route[i]:
            route = "secondary (recycled)" if rows.route[i] == 1 else "primary"
            what = f"material {inputs.materials.codes[int(rows.material[i])]!r} has no {route} factor"
        else:
            what = table.missing[int(rows.factor[i])] or "factor without value"
        found.append((part, stage < _N_GATE, what))
    for part in np.flatnonzero(bare).tolist():
        found.append((part, True, "no composition, activity or supplier PCF"))
    return found


def prepare(inputs: FootprintInputs) -> FootprintModel:
    """Return the inputs flattened into emission rows and per-part direct emissions by stage.

    Raises CoreError for inconsistent inputs (indices out of range, negative masses, recycled
    shares outside 0..1, two PCFs for one part). Missing factors are recorded here and raised
    by :func:`footprint` only for the parts a root actually contains.
    """
    graph = inputs.graph
    n = graph.n
    cut_off = _check(inputs)
    held = np.zeros(n, dtype=bool)
    held[inputs.pcfs.part] = True
    table = _factor_table(inputs)

    # A part needs cradle-to-gate data of some kind, unless it has children, a PCF or is cut off.
    # (Rows of zero amount count as data: the part was described, and its figure is zero.)
    act = inputs.activities
    described = [inputs.composition.part, act.part[act.stage < _N_GATE], inputs.pcfs.part]
    has_gate_data = np.bincount(np.concatenate(described), minlength=n) > 0
    has_children = np.bincount(graph.edge_parent, minlength=n) > 0
    bare = ~(has_gate_data | has_children | held | cut_off)

    rows = _rows(inputs, held)
    no_route = rows.factor < 0
    safe_factor = np.where(no_route, 0, rows.factor)
    missing_value = np.isnan(table.fossil[safe_factor]) | np.isnan(table.biogenic[safe_factor]) | no_route
    missing_rows = _missing(inputs, rows, table, missing_value, bare)

    value_fossil = np.where(missing_value, 0.0, table.fossil[safe_factor]) * rows.amount
    value_biogenic = np.where(missing_value, 0.0, table.biogenic[safe_factor]) * rows.amount
    cell = rows.stage * n + rows.part
    direct = np.stack(
        [
            _weighted_bincount(cell, value_fossil, N_STAGES * n).reshape(N_STAGES, n),
            _weighted_bincount(cell, value_biogenic, N_STAGES * n).reshape(N_STAGES, n),
        ]
    )
    primary_value = (value_fossil + value_biogenic) * rows.primary
    gate = rows.stage < _N_GATE
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
        factor_codes=table.codes,
        factor_fossil=table.fossil,
        factor_biogenic=table.biogenic,
        factor_gsd=table.gsd,
        factor_quality=table.quality,
        factor_missing=table.missing,
        factor_fallback=table.fallback,
        row_part=rows.part,
        row_factor=np.where(no_route, -1, rows.factor),
        row_stage=rows.stage,
        row_amount=rows.amount,
        row_primary_share=rows.primary,
        direct=direct,
        direct_primary_gate=_weighted_bincount(rows.part[gate], primary_value[gate], n),
        direct_primary_after=_weighted_bincount(rows.part[~gate], primary_value[~gate], n),
        missing_gate=missing_gate,
        missing_after=missing_after,
        missing_rows=tuple(missing_rows),
    )
