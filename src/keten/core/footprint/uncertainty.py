"""Uncertainty: factor loadings and the Monte Carlo over one lognormal multiplier per factor."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from keten.core.errors import CoreError
from keten.core.footprint.inputs import _N_GATE, N_STAGES, FloatArray, Stage, UsePhase, _weighted_bincount
from keten.core.footprint.model import FootprintModel
from keten.core.footprint.rollup import _explosions, _raise_missing, _use_phase_terms


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
