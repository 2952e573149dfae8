"""Supply risk on networks small enough to check by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keten.core.bom import build_bom, explode
from keten.core.errors import CoreError
from keten.core.risk import (
    SupplyNetwork,
    build_network,
    concentration,
    lead_time_ttr,
    material_content,
    material_hhi,
    node_impact,
    rank_organizations,
    rank_single_nodes,
    run_scenario,
    safety_stock_to_close,
    time_to_survive,
    with_alternate,
)

# product 0 holds 1 × subassembly 1 and 1 × part 3; subassembly 1 holds 2 × part 2.
# site 0 (country 0) makes part 2, site 1 (country 0) makes part 3, site 2 (country 1) makes nothing yet.
# The product sells 10 a week at 100 each; part 2 has two weeks of stock, subassembly 1 one week,
# part 3 none. Part 2 holds 0.1 kg of material 0; part 3 0.05 kg of material 0 and 0.2 kg of material 1.
# Nodes: sites 0..2, countries 3..4, materials 5..6.
SITE0, SITE1, SITE2, COUNTRY0, COUNTRY1, MATERIAL0, MATERIAL1 = range(7)


def small(
    *,
    alternate: tuple[float, int] | None = None,
    stock: tuple[float, float, float, float] = (0.0, 10.0, 40.0, 0.0),
) -> SupplyNetwork:
    edge_part, edge_site, edge_share = [2, 3], [0, 1], [1.0, 1.0]
    alt, qual = [False, False], [0, 0]
    if alternate is not None:
        edge_part.append(2)
        edge_site.append(2)
        edge_share.append(alternate[0])
        alt.append(True)
        qual.append(alternate[1])
    return build_network(
        build_bom(4, [0, 0, 1], [1, 3, 2], [1.0, 1.0, 2.0]),
        edge_part=edge_part,
        edge_site=edge_site,
        edge_share=edge_share,
        edge_alternate=alt,
        edge_qual_weeks=qual,
        edge_lead_days=[28.0] * len(edge_part),
        site_country=[0, 0, 1],
        comp_part=[2, 3, 3],
        comp_material=[0, 0, 1],
        comp_kg=[0.1, 0.05, 0.2],
        stock=list(stock),
        usage=[10.0, 10.0, 20.0, 10.0],
        products=[0],
        demand=[10.0],
        revenue=[100.0],
    )


def test_stock_carries_through_the_bom_until_the_product_stops() -> None:
    impact = node_impact(small(), SITE0, 6)
    # part 2 lasts 2 weeks, then subassembly 1's own week of stock: the product stops at week 3
    assert dict(zip(impact.parts.tolist(), impact.part_start.tolist(), strict=True)) == {
        0: 3.0,
        1: 3.0,
        2: 2.0,
    }
    assert impact.product_end.tolist() == [6.0]
    assert impact.revenue_at_risk == pytest.approx(3 * 10 * 100)


def test_a_single_source_without_stock_stops_the_product_at_once() -> None:
    impact = node_impact(small(), SITE1, 6)
    assert impact.product_start.tolist() == [0.0]
    assert impact.revenue_at_risk == pytest.approx(6 * 10 * 100)


def test_an_outage_shorter_than_the_stock_cover_costs_nothing() -> None:
    impact = node_impact(small(), SITE0, 2.5)
    # part 2 is short from week 2 to 2.5, but subassembly 1's week of stock bridges it
    assert impact.parts.tolist() == [2]
    assert impact.part_start.tolist() == [2.0] and impact.part_end.tolist() == [2.5]
    assert math.isinf(impact.product_start[0])
    assert impact.revenue_at_risk == 0.0


def test_a_country_that_hosts_two_suppliers_fails_both() -> None:
    impact = node_impact(small(), COUNTRY0, 6)
    assert sorted(impact.parts.tolist()) == [0, 1, 2, 3]
    assert impact.product_start.tolist() == [0.0]
    assert node_impact(small(), COUNTRY1, 6).revenue_at_risk == 0.0


def test_a_full_alternate_after_its_qualification_delay_bridges_the_gap() -> None:
    # qualified after 3 weeks: part 2 short in week 2 only, subassembly stock covers it
    assert node_impact(small(alternate=(1.0, 3)), SITE0, 10).revenue_at_risk == 0.0
    # qualified after 4 weeks: part 2 short [2, 4), subassembly [3, 4), the product loses one week
    impact = node_impact(small(alternate=(1.0, 4)), SITE0, 10)
    assert impact.product_start.tolist() == [3.0] and impact.product_end.tolist() == [4.0]
    assert impact.revenue_at_risk == pytest.approx(1000.0)


def test_a_half_alternate_only_slows_the_drain_on_stock() -> None:
    # week 0 short 20, then 10 a week: cumulative 20, 30, 40, 50 → 40 units last to week 3
    impact = node_impact(small(alternate=(0.5, 1)), SITE0, 10)
    starts = dict(zip(impact.parts.tolist(), impact.part_start.tolist(), strict=True))
    assert starts[2] == pytest.approx(3.0)
    assert impact.product_start.tolist() == [4.0]
    assert impact.revenue_at_risk == pytest.approx(6 * 1000.0)


def test_an_alternate_at_the_failed_site_does_not_help() -> None:
    net = with_alternate(small(), part=2, site=0, share=1.0, qual_weeks=0)
    assert node_impact(net, SITE0, 6).revenue_at_risk == pytest.approx(3000.0)


def test_a_failed_material_cuts_every_part_that_contains_it() -> None:
    impact = node_impact(small(), MATERIAL1, 4)
    assert impact.product_start.tolist() == [0.0]
    assert impact.revenue_at_risk == pytest.approx(4000.0)
    # material 0 is in both parts: the stockless part 3 stops the product at once as well
    assert node_impact(small(), MATERIAL0, 4).product_start.tolist() == [0.0]


def test_scenario_week_by_week() -> None:
    result = run_scenario(small(), [SITE0], start_week=1, weeks=4, horizon=8)
    # down weeks 1..5: part 2 short [3, 5), subassembly 1 and product [4, 5)
    assert result.units_lost[:, 0].tolist() == [0, 0, 0, 0, 10, 0, 0, 0]
    assert result.revenue_lost.tolist() == [0, 0, 0, 0, 1000, 0, 0, 0]
    short = {p: result.parts_short[:, i].nonzero()[0].tolist() for i, p in enumerate(result.parts.tolist())}
    assert short == {0: [4], 1: [4], 2: [3, 4]}
    assert result.total_revenue_lost == pytest.approx(1000.0)


def test_a_scenario_that_starts_after_the_horizon_loses_nothing() -> None:
    assert node_impact(small(), SITE1, 6, horizon=0).parts.size == 0
    result = run_scenario(small(), [SITE1], start_week=10, weeks=6, horizon=5)
    assert result.total_revenue_lost == 0.0 and result.parts.size == 0


def test_a_scenario_is_cut_off_at_the_horizon() -> None:
    result = run_scenario(small(), [SITE1], start_week=2, weeks=20, horizon=5)
    assert result.product_stopped[:, 0].tolist() == [0, 0, 1, 1, 1]
    assert result.total_revenue_lost == pytest.approx(3000.0)


def shared() -> SupplyNetwork:
    # products 0 and 1 both hold subassembly 2 (1 and 3 of it); 2 holds 1 × part 3 from site 0.
    return build_network(
        build_bom(4, [0, 1, 2], [2, 2, 3], [1.0, 3.0, 1.0]),
        edge_part=[3],
        edge_site=[0],
        edge_share=[1.0],
        site_country=[0],
        stock=[0.0, 10.0, 0.0, 40.0],
        usage=[10.0, 5.0, 25.0, 25.0],
        products=[0, 1],
        demand=[10.0, 5.0],
        revenue=[100.0, 200.0],
    )


def test_a_shared_subassembly_stops_every_product_above_it() -> None:
    impact = node_impact(shared(), 0, 5)
    # 40 units of part 3 at 25 a week last 1.6 weeks; product 1 has 2 more weeks of its own stock
    assert impact.product_start.tolist() == pytest.approx([1.6, 3.6])
    assert impact.revenue_at_risk == pytest.approx((5 - 1.6) * 1000 + (5 - 3.6) * 1000)


def test_hhi_on_paper() -> None:
    net = build_network(
        build_bom(2, [], [], []),
        edge_part=[0, 0, 0, 1, 1],
        edge_site=[0, 1, 2, 0, 3],
        edge_share=[0.5, 0.3, 0.2, 1.0, 0.5],
        edge_alternate=[False, False, False, False, True],
        site_country=[0, 0, 1, 1],
        site_org=[7, 7, 8, 9],
        stock=[0.0, 0.0],
        usage=[0.0, 0.0],
        products=[],
        demand=[],
        revenue=[],
    )
    conc = concentration(net)
    # sites: .25 + .09 + .04; countries: .8² + .2²; the alternate of part 1 does not count
    assert conc.hhi_supplier.tolist() == pytest.approx([0.38, 1.0])
    assert conc.hhi_country.tolist() == pytest.approx([0.68, 1.0])
    assert conc.single_source.tolist() == [False, True]
    assert conc.single_country.tolist() == [False, True]
    by_org = concentration(net, by_organization=True)
    assert by_org.hhi_supplier.tolist() == pytest.approx([0.68, 1.0])
    assert by_org.n_suppliers.tolist() == [2, 1]


def test_material_hhi_uses_published_shares() -> None:
    hhi = material_hhi([0, 0, 1], [0.6, 0.2, 0.9], 3)
    assert hhi[:2].tolist() == pytest.approx([0.40, 0.81])
    assert math.isnan(hhi[2])


def test_material_content_through_the_bom() -> None:
    content = material_content(small())
    # material 0: 2 × 0.1 through subassembly 1 + 0.05 in part 3; material 1: 0.2 in part 3
    assert content.kg.shape == (1, 2)
    assert content.kg[0].tolist() == pytest.approx([0.25, 0.2])
    rows = sorted(
        zip(content.via_material.tolist(), content.via_part.tolist(), content.via_kg.tolist(), strict=True)
    )
    assert [r[:2] for r in rows] == [(0, 2), (0, 3), (1, 3)]
    assert [r[2] for r in rows] == pytest.approx([0.2, 0.05, 0.2])


def test_time_to_survive_against_time_to_recover() -> None:
    ttr = np.array([6.0, 6.0, 6.0, 6.0, 6.0, 4.0, 4.0])
    tts, exposed = time_to_survive(small(), ttr)
    assert tts[:, 0].tolist() == [3.0, 0.0, math.inf, 0.0, math.inf, 0.0, 0.0]
    assert exposed.tolist() == [True, True, False, True, False, True, True]
    # a site that recovers within the stock cover is no exposure
    tts, exposed = time_to_survive(small(), np.array([2.5, 6, 6, 6, 6, 4, 4]))
    assert not exposed[SITE0]


def test_ranking_puts_the_costliest_node_first() -> None:
    order, risk = rank_single_nodes(small(), 6)
    assert order[:2].tolist() == [SITE1, COUNTRY0] or order[:2].tolist() == [COUNTRY0, SITE1]
    assert risk[0] == pytest.approx(6000.0)
    assert dict(zip(order.tolist(), risk.tolist(), strict=True))[SITE0] == pytest.approx(3000.0)
    assert dict(zip(order.tolist(), risk.tolist(), strict=True))[COUNTRY1] == 0.0


def test_safety_stock_closes_the_gap() -> None:
    parts, extra, after = safety_stock_to_close(small(), SITE1, 6)
    assert parts.tolist() == [3] and extra.tolist() == [60.0]
    assert after.revenue_at_risk == 0.0
    # with a full alternate qualified after 2 weeks only two weeks of usage are needed
    net = with_alternate(small(), part=3, site=2, share=1.0, qual_weeks=2)
    parts, extra, after = safety_stock_to_close(net, SITE1, 6)
    assert extra.tolist() == [20.0]
    assert after.revenue_at_risk == 0.0


def test_qualifying_an_alternate_is_recomputed() -> None:
    net = with_alternate(small(), part=3, site=2, share=1.0, qual_weeks=2)
    impact = node_impact(net, SITE1, 6)
    assert impact.product_start.tolist() == [0.0] and impact.product_end.tolist() == [2.0]
    assert impact.revenue_at_risk == pytest.approx(2000.0)


def test_bad_input_is_refused() -> None:
    with pytest.raises(CoreError):
        node_impact(small(), 99, 1)
    with pytest.raises(CoreError):
        build_network(
            build_bom(1, [], [], []),
            edge_part=[0],
            edge_site=[0],
            edge_share=[1.5],
            site_country=[0],
            stock=[0.0],
            usage=[1.0],
            products=[0],
            demand=[1.0],
            revenue=[1.0],
        )


@st.composite
def chains(draw: st.DrawFn) -> tuple[SupplyNetwork, int]:
    """A random tree BOM with one product at the root and random sourcing over a few sites."""
    n = draw(st.integers(2, 12))
    parents = [draw(st.integers(0, i - 1)) for i in range(1, n)]
    qty = [float(draw(st.integers(1, 3))) for _ in parents]
    n_sites = draw(st.integers(1, 4))
    leaves = sorted(set(range(n)) - set(parents))
    sites = [draw(st.integers(0, n_sites - 1)) for _ in leaves]
    stock = [float(draw(st.integers(0, 50))) for _ in range(n)]
    bom = build_bom(n, parents, list(range(1, n)), qty)
    usage = explode(bom, 0, 10.0)
    net = build_network(
        bom,
        edge_part=leaves,
        edge_site=sites,
        edge_share=[1.0] * len(leaves),
        site_country=[i % 2 for i in range(n_sites)],
        n_countries=2,
        stock=stock,
        usage=usage,
        products=[0],
        demand=[10.0],
        revenue=[50.0],
    )
    return net, draw(st.integers(0, n_sites + 1))


@given(chains(), st.floats(0.5, 30), st.floats(0.0, 5.0))
@settings(max_examples=60, deadline=None)
def test_longer_outages_and_less_stock_never_cost_less(
    case: tuple[SupplyNetwork, int], weeks: float, more: float
) -> None:
    net, node = case
    base = node_impact(net, node, weeks, horizon=40)
    assert node_impact(net, node, weeks + more, horizon=40).revenue_at_risk >= base.revenue_at_risk - 1e-6
    richer = safety_stock_to_close(net, node, weeks)[2]
    assert richer.revenue_at_risk == pytest.approx(0.0, abs=1e-6)
    assert 0.0 <= base.revenue_at_risk <= weeks * 10 * 50 + 1e-6
    # a scenario from week 0 loses exactly what the node impact says
    scen = run_scenario(net, [node], 0, weeks, horizon=40)
    assert scen.total_revenue_lost == pytest.approx(base.revenue_at_risk)


def test_a_country_that_holds_part_of_a_material_caps_the_parts_that_contain_it() -> None:
    base = small(stock=(0.0, 10.0, 40.0, 30.0))
    # country 1 (no suppliers of ours) mines half of material 1, which only part 3 contains
    net = replace_shares(base, [[0.0, 0.0], [0.0, 0.5]])
    impact = node_impact(net, COUNTRY1, 10)
    # part 3 gets half of its 10 a week: 30 units cover the missing 5 a week for 6 weeks
    assert impact.product_start.tolist() == pytest.approx([6.0])
    assert impact.revenue_at_risk == pytest.approx(4 * 1000.0)
    # material 0 is in parts 2 and 3 but country 1 holds none of it; without shares nothing happens
    assert node_impact(base, COUNTRY1, 10).revenue_at_risk == 0.0


def replace_shares(net: SupplyNetwork, shares: list[list[float]]) -> SupplyNetwork:
    return build_network(
        net.bom,
        edge_part=net.edge_part,
        edge_site=net.edge_site,
        edge_share=net.edge_share,
        site_country=net.site_country,
        comp_part=net.comp_part,
        comp_material=net.comp_material,
        comp_kg=net.comp_kg,
        material_country_share=shares,
        stock=net.stock,
        usage=net.usage,
        products=net.products,
        demand=net.demand,
        revenue=net.revenue,
    )


def test_an_organization_fails_with_all_its_sites() -> None:
    base = small()
    # sites 0 and 1 belong to organization 5, site 2 to organization 9
    net = build_network(
        base.bom,
        edge_part=base.edge_part,
        edge_site=base.edge_site,
        edge_share=base.edge_share,
        site_country=[0, 1, 1],
        site_org=[5, 5, 9],
        stock=base.stock,
        usage=base.usage,
        products=base.products,
        demand=base.demand,
        revenue=base.revenue,
    )
    orgs, risk = rank_organizations(net, 6)
    assert orgs.tolist() == [5, 9]
    assert risk.tolist() == pytest.approx([6000.0, 0.0])


def test_lead_times_give_a_default_time_to_recover() -> None:
    ttr = lead_time_ttr(with_alternate(small(), part=2, site=2, share=1.0, qual_weeks=1, lead_days=70.0))
    # sites 0 and 1 deliver in 28 days, site 2 in 70; country 0 hosts sites 0 and 1, country 1 site 2
    assert ttr[:5].tolist() == [4.0, 4.0, 10.0, 4.0, 10.0]
    assert np.isnan(ttr[5:]).all()
