"""Failures: what a set of failed nodes does to every part it reaches, time to survive and to recover,
and the ranking of single failures."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from keten.core.errors import CoreError
from keten.core.risk.network import (
    _EPS,
    LONGEST_OUTAGE_WEEKS,
    BoolArray,
    FloatArray,
    IntArray,
    SupplyNetwork,
    _csr,
    _gather,
)


def _failed(net: SupplyNetwork, nodes: IntArray) -> tuple[IntArray, IntArray, FloatArray]:
    """Return (failed sourcing edges, parts short of a material, the share of supply those parts keep).

    A failed material leaves its parts nothing; a failed country leaves the parts of each material
    ``1 − `` the failed countries' share of its world supply. A part with several such materials keeps
    the least of them.
    """
    s, c = net.n_sites, net.n_countries
    if nodes.size and (nodes.min() < 0 or nodes.max() >= net.n_nodes):
        raise CoreError(f"node indices must lie in 0..{net.n_nodes - 1}")
    sites = nodes[nodes < s]
    countries = nodes[(nodes >= s) & (nodes < s + c)] - s
    materials = nodes[nodes >= s + c] - s - c
    edges = np.concatenate(
        [
            _gather(net.site_edge_ptr, net.site_edge_order, sites),
            _gather(net.country_edge_ptr, net.country_edge_order, countries),
        ]
    )
    left = np.ones(net.n_materials)
    if countries.size and net.n_materials:
        left -= net.material_country_share[:, countries].sum(axis=1)
    left[materials] = 0.0
    short = np.flatnonzero(left < 1.0 - _EPS)
    rows = _gather(net.material_comp_ptr, net.material_comp_order, short)
    parts, inverse = np.unique(net.comp_part[rows], return_inverse=True)
    keep = np.ones(parts.size)
    np.minimum.at(keep, inverse, np.maximum(left[net.comp_material[rows]], 0.0))
    return edges, parts.astype(np.int64), keep


def _supply(
    net: SupplyNetwork,
    parts: IntArray,
    failed_edges: IntArray,
    cut_parts: IntArray,
    cut_keep: FloatArray,
    weeks: int,
) -> FloatArray:
    """Return the share of usage each of ``parts`` (sorted) still receives per week, shape (a, weeks)."""
    edges = _gather(net.part_edge_ptr, net.part_edge_order, parts)
    ok = edges[~np.isin(edges, failed_edges)]
    row = np.searchsorted(parts, net.edge_part[ok])
    delay = np.minimum(np.where(net.edge_alternate[ok], net.edge_qual_weeks[ok], 0), weeks)
    step = np.zeros((parts.size, weeks + 1))
    np.add.at(step, (row, delay), net.edge_share[ok])
    supply: FloatArray = np.minimum(np.cumsum(step, axis=1)[:, :weeks], 1.0)
    rows = np.searchsorted(parts, cut_parts)
    supply[rows] = np.minimum(supply[rows], cut_keep[:, None])
    return supply


def _part_shortage(
    net: SupplyNetwork,
    failed_edges: IntArray,
    cut_parts: IntArray,
    cut_keep: FloatArray,
    outage: float,
    horizon: int,
) -> tuple[IntArray, FloatArray, FloatArray]:
    """Return (parts, start, end) of the directly affected parts' shortages, in weeks from the failure.

    Parts that never run short within ``horizon`` weeks are left out.
    """
    parts = np.unique(np.concatenate([net.edge_part[failed_edges], cut_parts]))
    if parts.size == 0 or horizon <= 0:
        return parts[:0], np.empty(0), np.empty(0)
    weeks = int(min(horizon, np.ceil(outage))) if np.isfinite(outage) else horizon
    weeks = max(weeks, 1)
    supply = _supply(net, parts, failed_edges, cut_parts, cut_keep, weeks)
    # the outage may end inside the last week: that week only loses its first part
    frac = np.ones(weeks)
    if np.isfinite(outage) and outage < weeks:
        frac[-1] = outage - (weeks - 1)
    short = net.usage[parts, None] * (1.0 - supply) * frac
    cum = np.cumsum(short, axis=1)
    over = cum > net.stock[parts, None] + _EPS
    hit = over.any(axis=1)
    first = np.argmax(over, axis=1)
    rows = np.arange(parts.size)
    before = cum[rows, first] - short[rows, first]
    rate = net.usage[parts] * (1.0 - supply[rows, first])
    with np.errstate(divide="ignore", invalid="ignore"):
        start = first + (net.stock[parts] - before) / rate
    full = supply >= 1.0 - _EPS
    later = full & (np.arange(weeks)[None, :] > first[:, None])
    recovered = later.any(axis=1)
    end = np.where(recovered, np.argmax(later, axis=1), min(outage, float(horizon)))
    keep = hit & (end > start)
    return parts[keep], start[keep], end[keep].astype(np.float64)


def _propagate(
    net: SupplyNetwork, parts: IntArray, start: FloatArray, end: FloatArray
) -> tuple[IntArray, FloatArray, FloatArray]:
    """Carry shortages up the BOM, level by level, touching only the parts above the affected ones.

    Every part gets candidate shortages: its own, and each short child's shifted by the part's
    own stock cover; its shortage runs from the earliest candidate start to the latest end. Only
    arrays as long as the touched parts are built, so a failure that reaches few parts is cheap.
    Returns (parts, start, end) of every part that runs short, directly or through a child.
    """
    level = net.bom.level
    pool_node, pool_start, pool_end = parts, start, end
    out_node: list[IntArray] = []
    out_start: list[FloatArray] = []
    out_end: list[FloatArray] = []
    while pool_node.size:
        node_level = level[pool_node]
        lvl = int(node_level.max())
        sel = node_level == lvl
        here, inv = np.unique(pool_node[sel], return_inverse=True)
        s_here = np.full(here.size, np.inf)
        e_here = np.full(here.size, -np.inf)
        np.minimum.at(s_here, inv, pool_start[sel])
        np.maximum.at(e_here, inv, pool_end[sel])
        rest = ~sel
        pool_node, pool_start, pool_end = pool_node[rest], pool_start[rest], pool_end[rest]
        live = s_here < e_here
        here, s_here, e_here = here[live], s_here[live], e_here[live]
        if here.size == 0:
            continue
        out_node.append(here)
        out_start.append(s_here)
        out_end.append(e_here)
        if lvl == 0:
            continue
        up = _gather(net.up_ptr, net.up_order, here)
        if up.size == 0:
            continue
        fan = net.up_ptr[here + 1] - net.up_ptr[here]
        parents = net.bom.edge_parent[up]
        pool_node = np.concatenate([pool_node, parents])
        pool_start = np.concatenate([pool_start, np.repeat(s_here, fan) + net.cover[parents]])
        pool_end = np.concatenate([pool_end, np.repeat(e_here, fan)])
    if not out_node:
        return np.empty(0, dtype=np.int64), np.empty(0), np.empty(0)
    return np.concatenate(out_node), np.concatenate(out_start), np.concatenate(out_end)


@dataclass(frozen=True)
class NodeImpact:
    """Shortages caused by a set of failed nodes, in weeks from the start of the failure.

    ``parts``, ``part_start``, ``part_end``: shape (a,), every part that runs short and when.
    ``product_start``, ``product_end``: shape (p,), inf / -inf for products that keep running.
    ``revenue_at_risk``: revenue lost within the horizon.
    """

    parts: IntArray
    part_start: FloatArray
    part_end: FloatArray
    product_start: FloatArray
    product_end: FloatArray
    revenue_at_risk: float


def node_impact(
    net: SupplyNetwork, nodes: npt.ArrayLike, outage_weeks: float, *, horizon: int = 104
) -> NodeImpact:
    """Return the shortages when ``nodes`` (node indices) are down for ``outage_weeks`` from week 0."""
    ids = np.atleast_1d(np.asarray(nodes, dtype=np.int64))
    edges, cut, keep = _failed(net, ids)
    parts, start, end = _part_shortage(net, edges, cut, keep, float(outage_weeks), horizon)
    parts, start, end = _propagate(net, parts, start, end)
    p_start = np.full(net.products.size, np.inf)
    p_end = np.full(net.products.size, -np.inf)
    slot = net.product_slot[parts]
    is_prod = slot >= 0
    p_start[slot[is_prod]] = start[is_prod]
    p_end[slot[is_prod]] = end[is_prod]
    lost_weeks = np.clip(np.minimum(p_end, horizon) - np.minimum(p_start, horizon), 0.0, None)
    lost_weeks = np.where(np.isfinite(p_start), lost_weeks, 0.0)
    at_risk = float(np.sum(lost_weeks * net.demand * net.revenue))
    return NodeImpact(parts, start, end, p_start, p_end, at_risk)


def lead_time_ttr(net: SupplyNetwork) -> FloatArray:
    """Return a default time to recover per node in weeks, shape (N,): the longest lead time.

    A site recovers when a new source can deliver: the longest lead time of its sourcing edges;
    a country, the longest of its sites. Materials get NaN: their recovery is not in the network.
    """
    ttr = np.full(net.n_nodes, np.nan)
    weeks = np.minimum(net.edge_lead_days / 7.0, LONGEST_OUTAGE_WEEKS)
    site = np.zeros(net.n_sites)
    np.maximum.at(site, net.edge_site, weeks)
    ttr[: net.n_sites] = site
    country = np.zeros(net.n_countries)
    np.maximum.at(country, net.site_country, site)
    ttr[net.n_sites : net.n_sites + net.n_countries] = country
    return ttr


def time_to_survive(
    net: SupplyNetwork, ttr_weeks: npt.ArrayLike, *, horizon: int = 104
) -> tuple[FloatArray, BoolArray]:
    """Return (TTS shape (N, p), exposed shape (N,)) for every node failing for its own TTR.

    ``ttr_weeks``: shape (N,) with N = sites + countries + materials. TTS is inf where a product
    keeps running; a node is exposed where some product's TTS is below the node's TTR.
    """
    ttr = np.asarray(ttr_weeks, dtype=np.float64)
    if ttr.shape != (net.n_nodes,):
        raise CoreError(f"ttr_weeks needs one value per node ({net.n_nodes})")
    tts = np.full((net.n_nodes, net.products.size), np.inf)
    for node in range(net.n_nodes):
        tts[node] = node_impact(net, node, ttr[node], horizon=horizon).product_start
    exposed = np.any(tts < ttr[:, None], axis=1)
    return tts, exposed


def rank_single_nodes(
    net: SupplyNetwork, outage_weeks: float | npt.ArrayLike, *, horizon: int = 104
) -> tuple[IntArray, FloatArray]:
    """Return (node indices, revenue at risk) of every single-node failure, highest risk first.

    ``outage_weeks``: one duration for every node, or shape (N,) (e.g. each node's TTR).
    """
    dur = np.broadcast_to(np.asarray(outage_weeks, dtype=np.float64), (net.n_nodes,))
    risk = np.array(
        [node_impact(net, i, dur[i], horizon=horizon).revenue_at_risk for i in range(net.n_nodes)]
    )
    order = np.argsort(-risk, kind="stable").astype(np.int64)
    return order, risk[order]


def rank_organizations(
    net: SupplyNetwork, outage_weeks: float, *, horizon: int = 104
) -> tuple[IntArray, FloatArray]:
    """Return (organization ids, revenue at risk) with all sites of one organization failing at once.

    Organization ids are the values of ``site_org``; highest risk first.
    """
    orgs, inverse = np.unique(net.site_org, return_inverse=True)
    ptr, order = _csr(inverse.astype(np.int64), orgs.size)
    risk = np.array(
        [
            node_impact(net, order[ptr[i] : ptr[i + 1]], outage_weeks, horizon=horizon).revenue_at_risk
            for i in range(orgs.size)
        ]
    )
    rank = np.argsort(-risk, kind="stable")
    return orgs[rank].astype(np.int64), risk[rank]
