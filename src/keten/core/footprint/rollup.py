"""The roll-up: a root's footprint from one explosion, its data quality, per-unit footprints of every
part and the hotspots."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from keten.core.bom import explode
from keten.core.errors import CoreError
from keten.core.footprint.inputs import (
    _N_GATE,
    N_STAGES,
    FloatArray,
    IntArray,
    MissingFactorError,
    Stage,
    UsePhase,
    _weighted_bincount,
)
from keten.core.footprint.model import FootprintModel, FootprintResult, _check_index


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
