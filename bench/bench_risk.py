"""Time the risk core on a random 100,000-part, 5,000-site network built in memory.

Usage: python -m bench.bench_risk [--parts N] [--sites S] [--repeats R]
Prints the median time of one scenario, of all single-node failures and the peak memory.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time

import numpy as np

from keten.core.bom import build_bom, explode
from keten.core.risk import SupplyNetwork, build_network, node_impact, rank_single_nodes, run_scenario


def random_network(
    parts: int, sites: int, countries: int = 60, products: int = 20, seed: int = 7
) -> SupplyNetwork:
    """Return a layered BOM (products on top, 8 levels) with 1-3 sources per bought part."""
    rng = np.random.default_rng(seed)
    levels = 8
    sizes = np.geomspace(products, parts * 0.45, levels).astype(np.int64)
    sizes[0] = products
    sizes[-1] += parts - int(sizes.sum())
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    parent: list[np.ndarray] = []
    child: list[np.ndarray] = []
    for lvl in range(1, levels):
        kids = np.arange(bounds[lvl], bounds[lvl + 1])
        above = rng.integers(bounds[lvl - 1], bounds[lvl], size=kids.size)
        parent.append(above)
        child.append(kids)
        # a tenth of the parts is shared by a second parent
        shared = kids[rng.random(kids.size) < 0.1]
        parent.append(rng.integers(bounds[lvl - 1], bounds[lvl], size=shared.size))
        child.append(shared)
    p = np.concatenate(parent)
    c = np.concatenate(child)
    q = rng.integers(1, 5, size=p.size).astype(np.float64)
    bom = build_bom(parts, p, c, q)

    demand = rng.integers(1, 20, size=products).astype(np.float64)
    usage = np.zeros(parts)
    for j in range(products):
        usage += explode(bom, j, float(demand[j]))

    bought = np.setdiff1d(np.arange(parts), p)
    n_src = rng.integers(1, 4, size=bought.size)
    edge_part = np.repeat(bought, n_src)
    edge_site = rng.integers(0, sites, size=edge_part.size)
    weights = rng.random(edge_part.size)
    edge_share = weights / np.bincount(edge_part, weights=weights, minlength=parts)[edge_part]
    alt_part = bought[rng.random(bought.size) < 0.2]
    edge_part = np.concatenate([edge_part, alt_part])
    edge_site = np.concatenate([edge_site, rng.integers(0, sites, size=alt_part.size)])
    edge_share = np.concatenate([edge_share, rng.uniform(0.3, 1.0, size=alt_part.size)])
    alternate = np.concatenate([np.zeros(edge_part.size - alt_part.size, bool), np.ones(alt_part.size, bool)])
    qual = np.where(alternate, rng.integers(0, 12, size=edge_part.size), 0)
    stock = usage * rng.uniform(0.0, 6.0, size=parts)
    materials = 34
    comp_part = bought[rng.random(bought.size) < 0.3]
    # each material mined in five countries, the first of them dominant
    shares = np.zeros((materials, countries))
    for m in range(materials):
        shares[m, rng.choice(countries, size=5, replace=False)] = rng.dirichlet([5.0, 1.0, 1.0, 1.0, 1.0])
    return build_network(
        bom,
        edge_part=edge_part,
        edge_site=edge_site,
        edge_share=edge_share,
        edge_alternate=alternate,
        edge_qual_weeks=qual,
        site_country=rng.integers(0, countries, size=sites),
        n_countries=countries,
        comp_part=comp_part,
        comp_material=rng.integers(0, materials, size=comp_part.size),
        comp_kg=rng.uniform(0.001, 0.5, size=comp_part.size),
        n_materials=materials,
        material_country_share=shares,
        stock=stock,
        usage=usage,
        products=np.arange(products),
        demand=demand,
        revenue=rng.uniform(1e5, 5e6, size=products),
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--parts", type=int, default=100_000)
    ap.add_argument("--sites", type=int, default=5_000)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()

    started = time.perf_counter()
    net = random_network(args.parts, args.sites)
    print(f"build network: {time.perf_counter() - started:.2f} s ({net.edge_part.size} sourcing edges)")
    rng = np.random.default_rng(1)
    single: list[float] = []
    country: list[float] = []
    for _ in range(args.repeats):
        site = int(rng.integers(0, net.n_sites))
        t0 = time.perf_counter()
        run_scenario(net, [site], start_week=4, weeks=12, horizon=52)
        single.append(time.perf_counter() - t0)
        nation = net.n_sites + int(rng.integers(0, net.n_countries))
        t0 = time.perf_counter()
        run_scenario(net, [nation], start_week=4, weeks=12, horizon=52)
        country.append(time.perf_counter() - t0)
    print(f"one site scenario (52 weeks): median {statistics.median(single) * 1000:.1f} ms")
    print(f"one country scenario (52 weeks): median {statistics.median(country) * 1000:.1f} ms")

    nodes = net.n_sites + net.n_countries
    t0 = time.perf_counter()
    risk = [node_impact(net, i, 12.0, horizon=52).revenue_at_risk for i in range(nodes)]
    elapsed = time.perf_counter() - t0
    print(f"all {nodes} single-site and single-country failures (12 weeks): {elapsed:.2f} s")
    t0 = time.perf_counter()
    rank_single_nodes(net, 12.0, horizon=52)
    print(f"rank all {net.n_nodes} nodes incl. materials: {time.perf_counter() - t0:.2f} s")
    print(f"nodes with revenue at risk: {sum(r > 0 for r in risk)}")
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
