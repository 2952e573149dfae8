"""Footprint engine on systems small enough to work out by hand, plus properties of random ones.

The worked system (all quantities per unit of the parent):

    P (product) ── 2 × M (module) ── 3 × S (subassembly)
      ├──────────── 1 × S
      └──────────── 0.25 kg C (copper, counted in kg)
    S ── 1 × B (aluminium bracket, 2 kg, 25 % recycled)
      └─ 0.5 kg C

Exploded: M 2, S 1 + 2·3 = 7, B 7, C 0.5·7 + 0.25 = 3.75 kg.
"""

from __future__ import annotations

import csv
import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np
import pycountry
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keten.core.bom import build_bom
from keten.core.errors import CoreError
from keten.core.footprint import (
    N_STAGES,
    QUALITY_GSD,
    Activities,
    Composition,
    Factors,
    FootprintInputs,
    GridPath,
    Materials,
    MissingFactorError,
    Stage,
    SupplierPcfs,
    UsePhase,
    factor_loadings,
    footprint,
    footprints_per_unit,
    gsd_for_quality,
    hotspots,
    monte_carlo,
    prepare,
    what_if,
    with_activity_factor,
    with_factor_value,
    with_material,
    with_recycled_share,
    with_supplier_pcf,
)

P, M, S, B, C = range(5)
LABELS = ("P", "M", "S", "B", "C")
# factor indices
AL_PRIMARY, AL_SECONDARY, CU_PRIMARY, CU_SECONDARY, GRID_NL, ROAD, GRID_DE, WIND, STEEL = range(9)
# material indices
AL, CU, ST = range(3)


def _factors(**overrides: float) -> Factors:
    codes = [
        "al-primary",
        "al-secondary",
        "cu-primary",
        "cu-secondary",
        "grid-NL",
        "road",
        "grid-DE",
        "wind",
        "steel",
    ]
    values = [8.0, 1.0, 4.0, 2.0, 0.3, 0.1, 0.4, 0.01, 2.0]
    for code, value in overrides.items():
        values[codes.index(code.replace("_", "-"))] = value
    return Factors.of(codes, values)


def _inputs(factors: Factors | None = None, **changes: Any) -> FootprintInputs:
    graph = build_bom(5, [P, P, P, M, S, S], [M, S, C, S, B, C], [2, 1, 0.25, 3, 1, 0.5], labels=LABELS)
    materials = Materials.of(
        ["AL6061", "CU", "S235"], [AL_PRIMARY, CU_PRIMARY, STEEL], [AL_SECONDARY, CU_SECONDARY, -1]
    )
    composition = Composition.of([B, C], [AL, CU], [2.0, 1.0], [0.25, 0.0])
    activities = Activities.of(
        part=[P, S, M],
        factor=[GRID_NL, GRID_NL, ROAD],
        amount=[10.0, 2.0, 5.0],
        stage=[Stage.MANUFACTURING_ENERGY, Stage.MANUFACTURING_ENERGY, Stage.TRANSPORT],
        primary_share=[1.0, 0.0, 0.0],
    )
    base = FootprintInputs(
        graph=graph,
        factors=factors or _factors(),
        materials=materials,
        composition=composition,
        activities=activities,
        labels=LABELS,
    )
    return dataclasses.replace(base, **changes)


def test_shared_subassembly_recycled_share_and_kg_units_add_up_by_hand() -> None:
    result = footprint(prepare(_inputs()), P)

    np.testing.assert_allclose(result.quantity_in_root, [1, 2, 7, 7, 3.75])
    # B: 7 × 2 kg × (8 × 0.75 + 1 × 0.25) = 87.5; C: 3.75 kg × 4 = 15
    assert result.by_stage[Stage.MATERIALS] == pytest.approx(102.5)
    # P: 10 kWh × 0.3; S: 7 × 2 kWh × 0.3
    assert result.by_stage[Stage.MANUFACTURING_ENERGY] == pytest.approx(3.0 + 4.2)
    assert result.by_stage[Stage.TRANSPORT] == pytest.approx(2 * 5 * 0.1)
    assert result.total_kg_co2e == pytest.approx(110.7)
    assert result.cradle_to_gate_kg_co2e == pytest.approx(110.7)
    np.testing.assert_allclose(result.by_part, [3.0, 1.0, 4.2, 87.5, 15.0])
    assert result.biogenic_total_kg_co2e == 0.0
    # only P's metered electricity is primary data
    assert result.primary_data_share == pytest.approx(3.0 / 110.7)


def test_a_declared_quantity_scales_everything_but_not_the_per_unit_value() -> None:
    result = footprint(prepare(_inputs()), P, quantity=3.0)
    assert result.total_kg_co2e == pytest.approx(3 * 110.7)
    assert result.per_unit_kg_co2e == pytest.approx(110.7)


def test_a_held_supplier_pcf_replaces_the_subtree_but_keeps_inbound_transport() -> None:
    activities = Activities.of(
        part=[P, S, M, S],
        factor=[GRID_NL, GRID_NL, ROAD, ROAD],
        amount=[10.0, 2.0, 5.0, 1.0],
        stage=[Stage.MANUFACTURING_ENERGY, Stage.MANUFACTURING_ENERGY, Stage.TRANSPORT, Stage.TRANSPORT],
        primary_share=[1.0, 0.0, 0.0, 0.0],
    )
    pcfs = SupplierPcfs.of([S], [5.0], primary_data_share=[0.6])
    result = footprint(prepare(_inputs(activities=activities, pcfs=pcfs)), P)

    # S's PCF 7 × 5 replaces B, the 3.5 kg of C under S, and S's own electricity.
    assert result.by_stage[Stage.PURCHASED_PARTS] == pytest.approx(35.0)
    assert result.by_stage[Stage.MATERIALS] == pytest.approx(0.25 * 4)
    assert result.by_stage[Stage.MANUFACTURING_ENERGY] == pytest.approx(3.0)
    assert result.by_stage[Stage.TRANSPORT] == pytest.approx(2 * 0.5 + 7 * 0.1)
    assert result.total_kg_co2e == pytest.approx(40.7)
    assert result.by_part[B] == 0.0
    # PACT: the PCF counts as primary in proportion to its own primary data share
    assert result.primary_data_share == pytest.approx((35 * 0.6 + 3.0) / 40.7)


def test_a_pcf_cut_does_not_hide_a_child_used_elsewhere_nor_end_of_life() -> None:
    activities = Activities.of(
        part=[P, C],
        factor=[GRID_NL, ROAD],
        amount=[10.0, 2.0],
        stage=[Stage.MANUFACTURING_ENERGY, Stage.END_OF_LIFE],
    )
    pcfs = SupplierPcfs.of([S], [5.0])
    result = footprint(prepare(_inputs(activities=activities, pcfs=pcfs)), P)
    # C under P directly still counts its material; its end of life counts for all 3.75 kg
    assert result.by_stage[Stage.MATERIALS] == pytest.approx(1.0)
    assert result.by_stage[Stage.END_OF_LIFE] == pytest.approx(3.75 * 2 * 0.1)


def test_use_phase_follows_a_decarbonising_grid_year_by_year() -> None:
    model = prepare(_inputs())
    # NL: 0.5 in 2025 falling to 0.3 in 2027, held after: 0.5 + 0.4 + 0.3 + 0.3 = 1.5 over 4 years
    path = GridPath.of([2025, 2027], [0.5, 0.3])
    use = UsePhase.of(1000.0, 4, 2025, [GRID_NL], paths=[path])
    result = footprint(model, P, use=use)
    assert result.by_stage[Stage.USE] == pytest.approx(1500.0)
    assert result.by_part[P] == pytest.approx(3.0 + 1500.0)
    assert result.cradle_to_gate_kg_co2e == pytest.approx(110.7)

    # installed base 60 % NL on the path, 40 % DE held at 0.4; half a last year counts half
    mixed = UsePhase.of(1000.0, 4, 2025, [GRID_NL, GRID_DE], [0.6, 0.4], paths=[path, None])
    assert footprint(model, P, use=mixed).by_stage[Stage.USE] == pytest.approx(0.6 * 1500 + 0.4 * 4000 * 0.4)
    partial = UsePhase.of(1000.0, 2.5, 2025, [GRID_DE])
    assert footprint(model, P, use=partial).by_stage[Stage.USE] == pytest.approx(2.5 * 1000 * 0.4)


def test_missing_factors_raise_one_error_listing_every_part_and_reason() -> None:
    factors = _factors(road=math.nan)
    composition = Composition.of([B, C], [AL, ST], [2.0, 1.0], [0.25, 0.5])  # S235 has no secondary factor
    graph = build_bom(6, [P, P, P, M, S, S], [M, S, C, S, B, C], [2, 1, 0.25, 3, 1, 0.5])
    activities = Activities.of([P, M, 5], [GRID_NL, ROAD, ROAD], [10.0, 5.0, 1.0], [2, 4, 4])
    labels = (*LABELS, "X")
    inputs = _inputs(factors, graph=graph, composition=composition, activities=activities, labels=labels)
    with pytest.raises(MissingFactorError) as caught:
        footprint(prepare(inputs), P)
    missing = set(caught.value.missing)
    assert missing == {
        ("C", "material 'S235' has no secondary (recycled) factor"),
        ("M", "factor 'road' has no value in this factor set"),
    }
    assert "S235" in str(caught.value) and "'road'" in str(caught.value)


def test_a_leaf_without_any_data_is_missing_unless_declared_cut_off() -> None:
    graph = build_bom(6, [P, P, P, M, S, S, S], [M, S, C, S, B, C, 5], [2, 1, 0.25, 3, 1, 0.5, 4])
    labels = (*LABELS, "label sticker")
    inputs = _inputs(graph=graph, labels=labels)
    with pytest.raises(MissingFactorError) as caught:
        footprint(prepare(inputs), P)
    assert caught.value.missing == (("label sticker", "no composition, activity or supplier PCF"),)

    cut = np.zeros(6, dtype=bool)
    cut[5] = True
    result = footprint(prepare(dataclasses.replace(inputs, cut_off=cut)), P)
    assert result.total_kg_co2e == pytest.approx(110.7)
    assert result.cut_off_parts == (5,)


def test_a_missing_factor_outside_the_root_does_not_block_it() -> None:
    activities = Activities.of([P, B], [GRID_NL, ROAD], [10.0, 1.0], [2, 4])
    model = prepare(_inputs(_factors(road=math.nan), activities=activities))
    with pytest.raises(MissingFactorError):
        footprint(model, P)
    # C alone contains nothing that needs the road factor
    assert footprint(model, C).total_kg_co2e == pytest.approx(4.0)


def test_a_declared_fallback_stands_in_and_is_reported() -> None:
    base = _factors(al_secondary=math.nan)
    fallback = base.fallback.copy()
    fallback[AL_SECONDARY] = AL_PRIMARY
    factors = Factors.of(base.codes, base.fossil_kg_co2e, fallback=fallback)
    result = footprint(prepare(_inputs(factors)), P)
    assert result.by_stage[Stage.MATERIALS] == pytest.approx(7 * 2 * 8 + 15)
    assert result.fallbacks == (("al-secondary", "al-primary"),)


def test_fossil_and_biogenic_are_kept_apart() -> None:
    base = _factors()
    biogenic = np.zeros(len(base.codes))
    biogenic[CU_PRIMARY] = -0.5
    factors = Factors.of(base.codes, base.fossil_kg_co2e, biogenic_kg_co2e=biogenic)
    result = footprint(prepare(_inputs(factors)), P)
    assert result.fossil_total_kg_co2e == pytest.approx(110.7)
    assert result.biogenic_total_kg_co2e == pytest.approx(-0.5 * 3.75)
    assert result.total_kg_co2e == pytest.approx(110.7 - 1.875)
    assert result.biogenic_kg_co2e[C, Stage.MATERIALS] == pytest.approx(-1.875)


def test_hotspots_rank_parts_by_contribution() -> None:
    model = prepare(_inputs())
    ranked = hotspots(model, footprint(model, P), top=2)
    assert [(h.label, h.stage) for h in ranked] == [("B", Stage.MATERIALS), ("C", Stage.MATERIALS)]
    assert ranked[0].share == pytest.approx(87.5 / 110.7)


def test_per_unit_footprints_of_every_part_agree_with_each_roll_up() -> None:
    model = prepare(_inputs())
    per_unit = footprints_per_unit(model)
    assert per_unit.shape == (5, N_STAGES)
    for part in range(5):
        assert per_unit[part].sum() == pytest.approx(footprint(model, part).total_kg_co2e)
    assert per_unit[S].sum() == pytest.approx(12.5 + 2 + 0.6)


def test_per_unit_footprints_are_nan_where_a_factor_is_missing() -> None:
    activities = Activities.of([P, B], [GRID_NL, ROAD], [10.0, 1.0], [2, 4])
    per_unit = footprints_per_unit(prepare(_inputs(_factors(road=math.nan), activities=activities)))
    assert np.isnan(per_unit[[P, M, S, B], Stage.TRANSPORT]).all()
    assert per_unit[C].sum() == pytest.approx(4.0)


def test_factor_loadings_split_the_total_by_material_and_grid() -> None:
    model = prepare(_inputs())
    loads = factor_loadings(model, P)
    assert loads.by_factor[AL_PRIMARY] == pytest.approx(7 * 2 * 0.75 * 8)
    assert loads.by_factor[AL_SECONDARY] == pytest.approx(7 * 2 * 0.25 * 1)
    assert loads.by_factor[GRID_NL] == pytest.approx(7.2)
    assert loads.kg_co2e.sum() == pytest.approx(110.7)


def test_what_if_recycled_share_returns_the_difference_without_changing_the_inputs() -> None:
    model = prepare(_inputs())
    change = what_if(model, lambda i: with_recycled_share(i, B, AL, 0.75), P)
    # 7 brackets × 2 kg × half more moved from primary (8) to secondary (1)
    assert change.delta_kg_co2e == pytest.approx(-7 * 2 * 0.5 * 7)
    assert change.delta_by_part[B] == pytest.approx(-49.0)
    assert change.delta_by_stage[Stage.MATERIALS] == pytest.approx(-49.0)
    assert model.inputs.composition.recycled_share[0] == 0.25
    assert footprint(model, P).total_kg_co2e == pytest.approx(110.7)


def test_what_if_material_electricity_and_supplier() -> None:
    model = prepare(_inputs())
    # the bracket's 25 % recycled share has no S235 recycled factor to go to
    with pytest.raises(MissingFactorError, match="S235"):
        what_if(model, lambda i: with_material(i, AL, ST, parts=[B]), P)

    no_recycled = prepare(_inputs(composition=Composition.of([B, C], [AL, CU], [2.0, 1.0])))
    assert what_if(no_recycled, lambda i: with_material(i, AL, ST), P).delta_kg_co2e == pytest.approx(
        7 * 2 * (2 - 8)
    )

    green = what_if(model, lambda i: with_factor_value(i, GRID_NL, fossil_kg_co2e=0.0), P)
    assert green.delta_kg_co2e == pytest.approx(-7.2)
    wind_at_s = what_if(model, lambda i: with_activity_factor(i, GRID_NL, WIND, parts=[S]), P)
    assert wind_at_s.delta_kg_co2e == pytest.approx(7 * 2 * (0.01 - 0.3))

    supplier = what_if(model, lambda i: with_supplier_pcf(i, S, fossil_kg_co2e=5.0), P)
    assert supplier.after.total_kg_co2e == pytest.approx(7 * 5 + 0.25 * 4 + 3 + 1)
    held = prepare(_inputs(pcfs=SupplierPcfs.of([S], [5.0])))
    dropped = what_if(held, lambda i: with_supplier_pcf(i, S, fossil_kg_co2e=None), P)
    assert dropped.after.total_kg_co2e == pytest.approx(110.7)


def test_what_if_on_the_use_phase() -> None:
    model = prepare(_inputs())
    before = UsePhase.of(1000.0, 10, 2025, [GRID_DE])
    after = UsePhase.of(800.0, 10, 2025, [GRID_DE])
    change = what_if(model, model.inputs, P, use=before, use_after=after)
    assert change.delta_kg_co2e == pytest.approx(-200 * 10 * 0.4)


def test_inconsistent_inputs_are_refused_with_a_reason() -> None:
    with pytest.raises(CoreError, match="recycled shares"):
        prepare(_inputs(composition=Composition.of([B], [AL], [1.0], [1.5])))
    with pytest.raises(CoreError, match="one PCF per part"):
        prepare(_inputs(pcfs=SupplierPcfs.of([S, S], [1.0, 2.0])))
    with pytest.raises(CoreError, match="sum to 1"):
        UsePhase.of(1.0, 1, 2025, [GRID_NL, GRID_DE], [0.5, 0.4])
    with pytest.raises(CoreError, match="contains no material"):
        with_recycled_share(_inputs(), P, AL, 0.5)


def test_quality_ratings_map_to_the_stated_spread() -> None:
    np.testing.assert_allclose(gsd_for_quality([1, 3, 5]), [QUALITY_GSD[1], QUALITY_GSD[3], QUALITY_GSD[5]])
    between = gsd_for_quality([1.5])[0]
    assert between == pytest.approx(math.sqrt(QUALITY_GSD[1] * QUALITY_GSD[2]))
    with pytest.raises(CoreError):
        gsd_for_quality([0.5])


def test_monte_carlo_brackets_the_deterministic_value_and_is_reproducible() -> None:
    model = prepare(_inputs())
    deterministic = footprint(model, P).total_kg_co2e
    first = monte_carlo(model, P, iterations=2000, seed=7)
    assert first.p5 < deterministic < first.p95
    assert first.p5 < first.p50 < first.p95
    assert first.deterministic_kg_co2e == pytest.approx(deterministic)
    again = monte_carlo(model, P, iterations=2000, seed=7, max_chunk_bytes=1024)
    np.testing.assert_array_equal(first.samples, again.samples)
    other = monte_carlo(model, P, iterations=2000, seed=8)
    assert not np.array_equal(first.samples, other.samples)
    assert first.by_stage_p5[Stage.MATERIALS] < 102.5 < first.by_stage_p95[Stage.MATERIALS]


def test_monte_carlo_spread_of_one_factor_follows_its_quality() -> None:
    graph = build_bom(1, [], [], [])
    factors = Factors.of(["x"], [10.0], quality=[5])
    inputs = FootprintInputs(graph, factors, activities=Activities.of([0], [0], [1.0], [0]))
    result = monte_carlo(prepare(inputs), 0, iterations=20000, seed=1)
    # lognormal with median 10 and GSD 2: the 95th percentile is 10 × 2^1.645
    assert result.p50 == pytest.approx(10.0, rel=0.03)
    assert result.p95 == pytest.approx(10.0 * 2**1.6449, rel=0.05)
    assert result.p5 == pytest.approx(10.0 / 2**1.6449, rel=0.05)


def _random_inputs(seed: int, n: int) -> tuple[FootprintInputs, UsePhase | None]:
    rng = np.random.default_rng(seed)
    child = np.arange(1, n)
    parent = (rng.random(n - 1) * child).astype(np.int64)
    extra = rng.integers(1, n, size=n // 3)
    extra_parent = (rng.random(extra.size) * extra).astype(np.int64)
    graph = build_bom(
        n,
        np.concatenate([parent, extra_parent]),
        np.concatenate([child, extra]),
        rng.uniform(0.1, 3, size=n - 1 + extra.size),
    )
    k = 12
    factors = Factors.of(
        [f"f{i}" for i in range(k)],
        rng.uniform(0, 10, k),
        biogenic_kg_co2e=rng.uniform(-1, 1, k),
        quality=rng.uniform(1, 5, k),
    )
    materials = Materials.of(["a", "b", "c"], [0, 1, 2], [3, 4, 5])
    c_parts = rng.integers(0, n, size=n)
    composition = Composition.of(c_parts, rng.integers(0, 3, n), rng.uniform(0, 2, n), rng.uniform(0, 1, n))
    activities = Activities.of(
        rng.integers(0, n, n),
        rng.integers(6, k, n),
        rng.uniform(0, 5, n),
        rng.integers(0, N_STAGES, n),
        rng.random(n),
    )
    held = rng.choice(np.arange(1, n), size=rng.integers(0, max(1, n // 4)), replace=False)
    pcfs = SupplierPcfs.of(held, rng.uniform(0, 50, held.size), primary_data_share=rng.random(held.size))
    inputs = FootprintInputs(
        graph, factors, materials, composition, activities, pcfs, cut_off=np.ones(n, dtype=bool)
    )
    use = (
        UsePhase.of(rng.uniform(0, 1000), rng.uniform(0, 15), 2025, [6, 7], [0.3, 0.7]) if seed % 2 else None
    )
    return inputs, use


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 40))
def test_total_equals_sum_of_parts_equals_sum_of_stages(seed: int, n: int) -> None:
    inputs, use = _random_inputs(seed, n)
    model = prepare(inputs)
    result = footprint(model, 0, use=use)
    total = result.total_kg_co2e
    scale = max(1.0, float(np.abs(result.contributions).sum()))
    assert result.by_part.sum() == pytest.approx(total, abs=1e-9 * scale)
    assert result.by_stage.sum() == pytest.approx(total, abs=1e-9 * scale)
    assert result.fossil_total_kg_co2e + result.biogenic_total_kg_co2e == pytest.approx(
        total, abs=1e-9 * scale
    )
    assert factor_loadings(model, 0, use=use).kg_co2e.sum() == pytest.approx(total, abs=1e-9 * scale)
    if use is None:
        assert footprints_per_unit(model)[0].sum() == pytest.approx(total, abs=1e-9 * scale)


FACTORS_DIR = Path(__file__).resolve().parents[2] / "data" / "factors"


def _rows(name: str) -> list[dict[str, str]]:
    with (FACTORS_DIR / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


VALUE_COLUMNS = {
    "gwp_ar6.csv": "gwp100",
    "grid_electricity.csv": "kg_co2e_per_kwh",
    "freight.csv": "kg_co2e_per_tonne_km",
    "materials.csv": "kg_co2e_per_unit_primary",
    "spend.csv": "kg_co2e_per_usd",
}


def test_every_shipped_factor_file_is_checked() -> None:
    assert sorted(p.name for p in FACTORS_DIR.glob("*.csv")) == sorted(VALUE_COLUMNS)


@pytest.mark.parametrize("name", sorted(p.name for p in FACTORS_DIR.glob("*.csv")))
def test_every_shipped_factor_row_has_a_source_a_licence_and_a_positive_value(name: str) -> None:
    rows = _rows(name)
    assert rows
    for row in rows:
        assert row["source"].strip() and row["licence"].strip(), row
        assert float(row[VALUE_COLUMNS[name]]) > 0, row


def test_shipped_reference_data_holds_what_the_engine_relies_on() -> None:
    gwp = {row["gas"]: float(row["gwp100"]) for row in _rows("gwp_ar6.csv")}
    assert (gwp["CH4 fossil"], gwp["CH4 non-fossil"], gwp["N2O"]) == (29.8, 27.0, 273.0)
    assert {"SF6", "NF3", "PFC-14", "PFC-116", "PFC-218", "PFC-C-318", "HFC-23", "HFC-32", "HFC-134a"} <= set(
        gwp
    )

    grid = _rows("grid_electricity.csv")
    countries = [row["country"] for row in grid]
    assert len(set(countries)) == len(countries) >= 30
    assert all(pycountry.countries.get(alpha_2=c) is not None for c in countries if c != "EU")
    assert all(0 < float(row["kg_co2e_per_kwh"]) < 1.5 and int(row["year"]) >= 2020 for row in grid)

    materials = _rows("materials.csv")
    assert all(row["unit"] == "kg" for row in materials)
    codes = [row["material_code"] for row in materials]
    assert len(set(codes)) == len(codes)
    # An empty secondary factor is "none known", which the engine must refuse to use as zero; a
    # given one is a recycled route and so below its primary factor.
    recycled = {
        r["material_code"]: (float(r["kg_co2e_per_unit_primary"]), float(r["kg_co2e_per_unit_secondary"]))
        for r in materials
        if r["kg_co2e_per_unit_secondary"]
    }
    assert {"AL", "PP", "PE-HD", "PVC", "GLASS", "STEEL-CANS"} <= set(recycled)
    assert all(0 < secondary < primary for primary, secondary in recycled.values())
    assert "CU" not in recycled

    spend = _rows("spend.csv")
    naics = [row["naics_code"] for row in spend]
    assert len(set(naics)) == len(naics) and all(len(c) == 6 and c.isdigit() for c in naics)
    # with margins = without margins + margins, to the table's three decimals
    for row in spend:
        parts = float(row["kg_co2e_per_usd_without_margins"]) + float(row["margins_kg_co2e_per_usd"])
        assert float(row["kg_co2e_per_usd"]) == pytest.approx(parts, abs=0.0011), row


def test_the_shipped_factors_drive_a_footprint_and_refuse_an_unknown_recycled_route() -> None:
    materials = {
        row["material_code"]: float(row["kg_co2e_per_unit_primary"]) for row in _rows("materials.csv")
    }
    grid = {row["country"]: float(row["kg_co2e_per_kwh"]) for row in _rows("grid_electricity.csv")}
    codes = ["material:CU:primary", "material:CU:secondary", "grid:NL"]
    factors = Factors.of(codes, [materials["CU"], math.nan, grid["NL"]])
    inputs = FootprintInputs(
        build_bom(2, [0], [1], [4]),
        factors,
        Materials.of(["CU"], [0], [1]),
        Composition.of([1], [0], [0.5]),
        Activities.of([0], [2], [12.0], [Stage.MANUFACTURING_ENERGY]),
    )
    assert footprint(prepare(inputs), 0).total_kg_co2e == pytest.approx(4 * 0.5 * 2.8 + 12 * 0.25331)
    recycled = with_recycled_share(inputs, 1, 0, 0.3)
    with pytest.raises(MissingFactorError, match="material:CU:secondary"):
        footprint(prepare(recycled), 0)
