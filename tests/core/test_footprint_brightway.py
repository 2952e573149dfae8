"""Cross-check of the footprint engine against Brightway (bw2calc) on generated systems.

The same inputs are written as Brightway matrices, built here from the raw inputs and not from
the engine's prepared rows: a technosphere with every part producing one unit of itself on the
diagonal and its BOM inputs as negative entries, a biosphere with one flow per emission factor
(and per held supplier PCF), and a diagonal characterisation with each factor's value. A held
PCF cuts its part's BOM inputs in the cradle-to-gate system only, so Brightway solves two
systems: cradle to gate, and the stages after the gate on the uncut BOM. Totals and per-part
contributions must agree to a relative 1e-9.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from keten.core.bom import BomGraph, build_bom
from keten.core.footprint import (
    N_STAGES,
    Activities,
    Composition,
    Factors,
    FootprintInputs,
    Materials,
    Stage,
    SupplierPcfs,
    UsePhase,
    footprint,
    prepare,
)

with warnings.catch_warnings():
    # bw2calc warns at import when no fast sparse solver (pypardiso, umfpack) is installed.
    warnings.simplefilter("ignore", UserWarning)
    import bw2calc
    import bw_processing as bwp

GATE = [int(s) for s in Stage if s < Stage.USE]
PART_ID = 1_000
FLOW_ID = 10_000_000


def _generated(seed: int, n: int) -> tuple[FootprintInputs, UsePhase]:
    rng = np.random.default_rng(seed)
    child = np.arange(1, n)
    parent = (rng.random(n - 1) * child).astype(np.int64)
    shared = rng.integers(1, n, size=n // 5)
    shared_parent = (rng.random(shared.size) * shared).astype(np.int64)
    graph = build_bom(
        n,
        np.concatenate([parent, shared_parent]),
        np.concatenate([child, shared]),
        rng.integers(1, 5, size=n - 1 + shared.size).astype(float),
    )
    k, n_materials = 60, 20
    factors = Factors.of(
        [f"factor-{j}" for j in range(k)],
        rng.lognormal(0.0, 1.5, k),
        biogenic_kg_co2e=rng.uniform(-0.3, 0.3, k),
        quality=rng.integers(1, 6, k),
    )
    materials = Materials.of(
        [f"material-{m}" for m in range(n_materials)],
        np.arange(n_materials),
        np.arange(n_materials, 2 * n_materials),
    )
    leaves = np.flatnonzero(np.bincount(graph.edge_parent, minlength=n) == 0)
    composition = Composition.of(
        np.concatenate([leaves, rng.integers(0, n, n // 10)]),
        rng.integers(0, n_materials, leaves.size + n // 10),
        rng.uniform(0.001, 5.0, leaves.size + n // 10),
        rng.uniform(0.0, 1.0, leaves.size + n // 10),
    )
    rows = 2 * n
    activities = Activities.of(
        rng.integers(0, n, rows),
        rng.integers(2 * n_materials, k, rows),
        rng.uniform(0.0, 10.0, rows),
        rng.integers(0, N_STAGES, rows),
        rng.random(rows),
    )
    held = rng.choice(np.arange(1, n), size=n // 50, replace=False)
    pcfs = SupplierPcfs.of(
        held,
        rng.uniform(1.0, 200.0, held.size),
        biogenic_kg_co2e=rng.uniform(-1.0, 1.0, held.size),
        primary_data_share=rng.random(held.size),
    )
    inputs = FootprintInputs(graph, factors, materials, composition, activities, pcfs)
    use = UsePhase.of(1200.0, 7.5, 2025, [k - 1, k - 2], [0.25, 0.75])
    return inputs, use


def _technosphere(graph: BomGraph, cut: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    keep = ~cut[graph.edge_parent]
    n = graph.n
    rows = np.concatenate([np.arange(n), graph.edge_child[keep]]) + PART_ID
    cols = np.concatenate([np.arange(n), graph.edge_parent[keep]]) + PART_ID
    values = np.concatenate([np.ones(n), graph.edge_quantity[keep]])
    flip = np.concatenate([np.zeros(n, dtype=bool), np.ones(int(keep.sum()), dtype=bool)])
    return _indices(rows, cols), values, flip


def _indices(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    out = np.empty(rows.size, dtype=bwp.INDICES_DTYPE)
    out["row"], out["col"] = rows, cols
    return out


def _exchanges(
    inputs: FootprintInputs, use: UsePhase, root: int, after_gate: bool
) -> tuple[list, list, list]:
    """Return biosphere (flow, part, amount) triplets of one system, from the raw inputs."""
    held = np.zeros(inputs.graph.n, dtype=bool)
    held[inputs.pcfs.part] = True
    flows: list[np.ndarray] = []
    parts: list[np.ndarray] = []
    amounts: list[np.ndarray] = []
    comp, act, mats = inputs.composition, inputs.activities, inputs.materials
    k = len(inputs.factors.codes)
    if not after_gate:
        own = ~held[comp.part]
        for factor, share in (
            (mats.primary_factor, 1.0 - comp.recycled_share),
            (mats.secondary_factor, comp.recycled_share),
        ):
            flows.append(factor[comp.material][own])
            parts.append(comp.part[own])
            amounts.append((comp.mass_kg * share)[own])
        selected = np.isin(act.stage, GATE) & (~held[act.part] | (act.stage == Stage.TRANSPORT))
        flows.append(k + np.arange(inputs.pcfs.part.size))
        parts.append(inputs.pcfs.part)
        amounts.append(np.ones(inputs.pcfs.part.size))
    else:
        selected = ~np.isin(act.stage, GATE)
        flows.append(use.grid_factor)
        parts.append(np.full(use.grid_factor.size, root))
        amounts.append(use.energy_kwh_per_year * use.lifetime_years * use.share)
    flows.append(act.factor[selected])
    parts.append(act.part[selected])
    amounts.append(act.amount[selected])
    return flows, parts, amounts


def _brightway(
    inputs: FootprintInputs, use: UsePhase, root: int, after_gate: bool
) -> tuple[float, np.ndarray]:
    """Return Brightway's score and per-part characterised inventory of one system."""
    n = inputs.graph.n
    held = np.zeros(n, dtype=bool)
    held[inputs.pcfs.part] = True
    cut = np.zeros(n, dtype=bool) if after_gate else held
    flows, parts, amounts = (np.concatenate(a) for a in _exchanges(inputs, use, root, after_gate))
    k = len(inputs.factors.codes)
    characterisation = np.concatenate(
        [
            inputs.factors.fossil_kg_co2e + inputs.factors.biogenic_kg_co2e,
            inputs.pcfs.fossil_kg_co2e + inputs.pcfs.biogenic_kg_co2e,
        ]
    )
    used = np.unique(flows)
    assert used.max() < k + inputs.pcfs.part.size

    package = bwp.create_datapackage()
    indices, values, flip = _technosphere(inputs.graph, cut)
    package.add_persistent_vector(
        matrix="technosphere_matrix", indices_array=indices, data_array=values, flip_array=flip
    )
    package.add_persistent_vector(
        matrix="biosphere_matrix",
        indices_array=_indices(flows + FLOW_ID, parts + PART_ID),
        data_array=amounts,
    )
    package.add_persistent_vector(
        matrix="characterization_matrix",
        indices_array=_indices(used + FLOW_ID, np.zeros(used.size, dtype=np.int64)),
        data_array=characterisation[used],
    )
    lca = bw2calc.LCA({root + PART_ID: 1.0}, data_objs=[package])
    lca.lci()
    lca.lcia()
    by_activity = np.asarray(lca.characterized_inventory.sum(axis=0)).ravel()
    per_part = np.zeros(n)
    for part_id, column in lca.dicts.activity.items():
        per_part[part_id - PART_ID] = by_activity[column]
    return float(lca.score), per_part


@pytest.mark.parametrize("seed", [3, 11])
def test_totals_and_contributions_match_brightway(seed: int) -> None:
    inputs, use = _generated(seed, 3000)
    result = footprint(prepare(inputs), 0, use=use)

    gate_score, gate_parts = _brightway(inputs, use, 0, after_gate=False)
    after_score, after_parts = _brightway(inputs, use, 0, after_gate=True)

    assert result.cradle_to_gate_kg_co2e == pytest.approx(gate_score, rel=1e-9)
    assert result.total_kg_co2e == pytest.approx(gate_score + after_score, rel=1e-9)
    scale = np.abs(result.contributions).sum()
    np.testing.assert_allclose(result.by_part, gate_parts + after_parts, rtol=1e-9, atol=1e-12 * scale)
