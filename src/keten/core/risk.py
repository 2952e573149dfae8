"""Supply-chain risk over arrays: concentration, critical raw material content, time to survive and
recover, disruption scenarios and mitigations.

The network has ``n`` parts (a :class:`~keten.core.bom.BomGraph`), ``e`` sourcing edges
(part ← site), ``s`` sites in ``c`` countries, ``k`` materials and ``p`` products (parts that are
sold). Nodes that can fail are numbered ``0..s-1`` (sites), ``s..s+c-1`` (countries) and
``s+c..s+c+k-1`` (materials).

Model of a failure (stated so results can be checked by hand):

* A primary edge delivers ``share`` of the part's usage; primary shares of a part add up to 1.
  An alternate edge (``alternate`` true) delivers nothing in normal times and up to ``share``
  once ``qual_weeks`` weeks after the failure have passed (0: already qualified).
* While nodes are down, the supply of a part in week t is ``f(t) = min(1, sum of the shares of
  edges that still deliver)``; a failed material cuts every part that contains it (its
  composition) to ``f = 0``, and a failed country that holds a share of a material's world supply
  caps those parts at ``f ≤ 1 − share`` (``material_country_share``). When the outage ends, ``f = 1``.
* The part draws its stock on hand to cover ``usage × (1 − f(t))`` per week; it is short from
  the moment (in weeks, continuous) the cumulative shortfall exceeds its stock until ``f``
  reaches 1 again.
* A part with short children is short from ``min(child start) + stock / usage`` (its own stock
  lasts that long) until ``max(child end)``; a product stops while it is short. A product makes
  nothing while it is short: partial supply from an alternate below full share only slows the
  depletion of stock (conservative).
* Time to survive (TTS) of a product under a node failure is the start of its shortage with the
  outage lasting the node's time to recover (TTR); the node is an exposure where TTS < TTR.

Concentration indices (Herfindahl-Hirschman) are returned on the 0..1 scale (multiply by 10,000
for the antitrust convention).

Layout: sourcing edges are indexed by part, site and country, compositions by material, and BOM
edges by child (all CSR), once in :func:`build_network`. A failure gathers its edges, simulates
the weekly supply of only the parts it reaches, and carries shortages up the BOM level by level
through their ancestors only, so a single-node scenario costs in proportion to what it touches,
not to the size of the network.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from keten.core.bom import BomGraph, explode
from keten.core.errors import CoreError

__all__ = [
    "LONGEST_OUTAGE_WEEKS",
    "Concentration",
    "MaterialContent",
    "NodeImpact",
    "ScenarioResult",
    "SupplyNetwork",
    "build_network",
    "concentration",
    "lead_time_ttr",
    "material_content",
    "material_hhi",
    "node_impact",
    "rank_organizations",
    "rank_single_nodes",
    "run_scenario",
    "safety_stock_to_close",
    "time_to_survive",
    "with_alternate",
    "with_extra_stock",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_EPS = 1e-9
LONGEST_OUTAGE_WEEKS = 3650 / 7
"""Ten years. Longer outages and lead times are taken as this long: the arrays of a shortage grow
with its weeks, and a stored lead time of 1e13 days must not ask for petabytes."""


def _csr(keys: IntArray, size: int) -> tuple[IntArray, IntArray]:
    """Return (ptr shape (size + 1,), order) grouping positions of ``keys`` by key."""
    order = np.argsort(keys, kind="stable").astype(np.int64)
    ptr = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=size), out=ptr[1:])
    return ptr, order


def _gather(ptr: IntArray, order: IntArray, rows: IntArray) -> IntArray:
    """Return the grouped positions of every row in ``rows``, concatenated."""
    starts = ptr[rows]
    counts = ptr[rows + 1] - starts
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    offsets = np.repeat(starts - (np.cumsum(counts) - counts), counts)
    return order[offsets + np.arange(total, dtype=np.int64)]


@dataclass(frozen=True)
class SupplyNetwork:
    """Parts, sourcing, sites, countries, materials and products as arrays.

    ``bom``: the BOM over parts 0..n-1.
    ``edge_part``, ``edge_site``: shape (e,); ``edge_share``: shape (e,), 0..1;
    ``edge_lead_days``: shape (e,); ``edge_alternate``: shape (e,) bool;
    ``edge_qual_weeks``: shape (e,), weeks until an alternate may deliver.
    ``site_country``: shape (s,), in 0..c-1; ``site_org``: shape (s,), the organization of each site.
    ``comp_part``, ``comp_material``, ``comp_kg``: shape (r,), kg of a material in one unit of a part
    (the part's own composition, not through its children).
    ``material_country_share``: shape (k, c), each country's share of the world supply of each
    material (0..1), for country failures that reach parts through their materials.
    ``stock``, ``usage``: shape (n,), units on hand and units used per week (for a product: its
    weekly demand).
    ``products``: shape (p,), part indices; ``demand``, ``revenue``: shape (p,), units per week and
    revenue per unit.
    The remaining fields are indexes derived by :func:`build_network`.
    """

    bom: BomGraph
    n_sites: int
    n_countries: int
    n_materials: int
    edge_part: IntArray
    edge_site: IntArray
    edge_share: FloatArray
    edge_lead_days: FloatArray
    edge_alternate: BoolArray
    edge_qual_weeks: IntArray
    site_country: IntArray
    site_org: IntArray
    comp_part: IntArray
    comp_material: IntArray
    comp_kg: FloatArray
    material_country_share: FloatArray
    stock: FloatArray
    usage: FloatArray
    products: IntArray
    demand: FloatArray
    revenue: FloatArray
    # derived indexes
    part_edge_ptr: IntArray
    part_edge_order: IntArray
    site_edge_ptr: IntArray
    site_edge_order: IntArray
    country_edge_ptr: IntArray
    country_edge_order: IntArray
    material_comp_ptr: IntArray
    material_comp_order: IntArray
    up_ptr: IntArray
    up_order: IntArray
    cover: FloatArray
    product_slot: IntArray

    @property
    def n(self) -> int:
        """Return the number of parts."""
        return self.bom.n

    @property
    def n_nodes(self) -> int:
        """Return the number of nodes that can fail: sites, countries and materials."""
        return self.n_sites + self.n_countries + self.n_materials


def build_network(
    bom: BomGraph,
    *,
    edge_part: npt.ArrayLike,
    edge_site: npt.ArrayLike,
    edge_share: npt.ArrayLike,
    site_country: npt.ArrayLike,
    stock: npt.ArrayLike,
    usage: npt.ArrayLike,
    products: npt.ArrayLike,
    demand: npt.ArrayLike,
    revenue: npt.ArrayLike,
    n_countries: int | None = None,
    edge_lead_days: npt.ArrayLike | None = None,
    edge_alternate: npt.ArrayLike | None = None,
    edge_qual_weeks: npt.ArrayLike | None = None,
    site_org: npt.ArrayLike | None = None,
    comp_part: npt.ArrayLike = (),
    comp_material: npt.ArrayLike = (),
    comp_kg: npt.ArrayLike = (),
    n_materials: int | None = None,
    material_country_share: npt.ArrayLike | None = None,
) -> SupplyNetwork:
    """Return a checked :class:`SupplyNetwork` with its indexes; shapes as documented there."""
    n = bom.n
    ep = np.asarray(edge_part, dtype=np.int64)
    es = np.asarray(edge_site, dtype=np.int64)
    esh = np.asarray(edge_share, dtype=np.float64)
    e = ep.size
    sc = np.asarray(site_country, dtype=np.int64)
    s = sc.size
    c = int(n_countries) if n_countries is not None else (int(sc.max()) + 1 if s else 0)
    lead = np.zeros(e) if edge_lead_days is None else np.asarray(edge_lead_days, dtype=np.float64)
    alt = np.zeros(e, dtype=bool) if edge_alternate is None else np.asarray(edge_alternate, dtype=bool)
    qual = np.zeros(e, dtype=np.int64) if edge_qual_weeks is None else np.asarray(edge_qual_weeks, np.int64)
    org = np.arange(s, dtype=np.int64) if site_org is None else np.asarray(site_org, dtype=np.int64)
    cp = np.asarray(comp_part, dtype=np.int64)
    cm = np.asarray(comp_material, dtype=np.int64)
    ck = np.asarray(comp_kg, dtype=np.float64)
    k = int(n_materials) if n_materials is not None else (int(cm.max()) + 1 if cm.size else 0)
    mcs = (
        np.zeros((k, c))
        if material_country_share is None
        else np.asarray(material_country_share, dtype=np.float64)
    )
    if mcs.shape != (k, c) or np.any(mcs < 0) or np.any(mcs > 1):
        raise CoreError(f"material_country_share must be a ({k}, {c}) array of shares in 0..1")
    st = np.asarray(stock, dtype=np.float64)
    us = np.asarray(usage, dtype=np.float64)
    prod = np.asarray(products, dtype=np.int64)
    dem = np.asarray(demand, dtype=np.float64)
    rev = np.asarray(revenue, dtype=np.float64)

    if not (es.shape == esh.shape == lead.shape == alt.shape == qual.shape == (e,)):
        raise CoreError("every sourcing edge array must have the same length")
    if e and (ep.min() < 0 or ep.max() >= n or es.min() < 0 or es.max() >= s):
        raise CoreError(f"sourcing edges must point at parts 0..{n - 1} and sites 0..{s - 1}")
    if e and (np.any(esh < 0) or np.any(esh > 1) or np.any(qual < 0)):
        raise CoreError("sourcing shares must lie in 0..1 and qualification delays must not be negative")
    if s and (sc.min() < 0 or sc.max() >= c):
        raise CoreError(f"site countries must lie in 0..{c - 1}")
    if org.shape != (s,):
        raise CoreError("site_org must have one organization per site")
    if not (cp.shape == cm.shape == ck.shape):
        raise CoreError("composition arrays must have the same length")
    if cp.size and (cp.min() < 0 or cp.max() >= n or cm.min() < 0 or cm.max() >= k):
        raise CoreError("composition rows must point at known parts and materials")
    if st.shape != (n,) or us.shape != (n,) or np.any(st < 0) or np.any(us < 0):
        raise CoreError("stock and usage need one non-negative value per part")
    if not (prod.shape == dem.shape == rev.shape) or (prod.size and (prod.min() < 0 or prod.max() >= n)):
        raise CoreError("products, demand and revenue must have one entry per product, products in 0..n-1")

    part_edge_ptr, part_edge_order = _csr(ep, n)
    site_edge_ptr, site_edge_order = _csr(es, s)
    country_edge_ptr, country_edge_order = _csr(sc[es] if e else np.empty(0, np.int64), c)
    material_comp_ptr, material_comp_order = _csr(cm, k)
    up_ptr, up_order = _csr(bom.edge_child, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        cover = np.where(us > 0, st / np.where(us > 0, us, 1.0), np.inf)
    slot = np.full(n, -1, dtype=np.int64)
    slot[prod] = np.arange(prod.size)
    return SupplyNetwork(
        bom=bom,
        n_sites=s,
        n_countries=c,
        n_materials=k,
        edge_part=ep,
        edge_site=es,
        edge_share=esh,
        edge_lead_days=lead,
        edge_alternate=alt,
        edge_qual_weeks=qual,
        site_country=sc,
        site_org=org,
        comp_part=cp,
        comp_material=cm,
        comp_kg=ck,
        material_country_share=mcs,
        stock=st,
        usage=us,
        products=prod,
        demand=dem,
        revenue=rev,
        part_edge_ptr=part_edge_ptr,
        part_edge_order=part_edge_order,
        site_edge_ptr=site_edge_ptr,
        site_edge_order=site_edge_order,
        country_edge_ptr=country_edge_ptr,
        country_edge_order=country_edge_order,
        material_comp_ptr=material_comp_ptr,
        material_comp_order=material_comp_order,
        up_ptr=up_ptr,
        up_order=up_order,
        cover=cover,
        product_slot=slot,
    )


# --- concentration ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Concentration:
    """Concentration of the primary sourcing of every part; HHI on the 0..1 scale.

    ``hhi_supplier``, ``hhi_country``: shape (n,), NaN for parts without primary sourcing.
    ``n_suppliers``, ``n_countries``: shape (n,), distinct suppliers and countries.
    ``single_source``, ``single_country``: shape (n,) bool.
    """

    hhi_supplier: FloatArray
    hhi_country: FloatArray
    n_suppliers: IntArray
    n_countries: IntArray
    single_source: BoolArray
    single_country: BoolArray


def _hhi(part: IntArray, group: IntArray, share: FloatArray, n: int) -> tuple[FloatArray, IntArray]:
    """Return (HHI, number of groups) per part from (part, group, share) rows, shares renormalised."""
    if part.size == 0:
        return np.full(n, np.nan), np.zeros(n, dtype=np.int64)
    key = part * (int(group.max()) + 1) + group
    uniq, inv = np.unique(key, return_inverse=True)
    summed = np.bincount(inv, weights=share)
    upart = uniq // (int(group.max()) + 1)
    total = np.bincount(upart, weights=summed, minlength=n)
    count = np.bincount(upart, minlength=n).astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = summed / total[upart]
        hhi = np.bincount(upart, weights=frac * frac, minlength=n)
    out: FloatArray = np.where(total > 0, hhi, np.nan).astype(np.float64)
    return out, count


def concentration(net: SupplyNetwork, *, by_organization: bool = False) -> Concentration:
    """Return supplier and country concentration of every part's primary sourcing.

    Suppliers are sites, or organizations when ``by_organization``; alternates do not count
    (they deliver nothing in normal times).
    """
    prim = ~net.edge_alternate & (net.edge_share > 0)
    part = net.edge_part[prim]
    site = net.edge_site[prim]
    share = net.edge_share[prim]
    supplier = net.site_org[site] if by_organization else site
    hs, ns = _hhi(part, supplier, share, net.n)
    hc, nc = _hhi(part, net.site_country[site], share, net.n)
    return Concentration(hs, hc, ns, nc, ns == 1, nc == 1)


def material_hhi(material: npt.ArrayLike, share: npt.ArrayLike, n_materials: int) -> FloatArray:
    """Return the HHI (0..1) of every material's world supply by country, shape (k,).

    ``material``, ``share``: shape (r,), one row per (material, country) with its share of world
    supply (0..1). Shares are used as published, not renormalised, so a list that names only the
    main countries gives a lower bound. NaN where a material has no rows.
    """
    m = np.asarray(material, dtype=np.int64)
    s = np.asarray(share, dtype=np.float64)
    hhi = np.bincount(m, weights=s * s, minlength=n_materials)
    seen = np.bincount(m, minlength=n_materials) > 0
    return np.where(seen, hhi, np.nan)


# --- critical raw material content -----------------------------------------------------------


@dataclass(frozen=True)
class MaterialContent:
    """Kg of every material in one unit of every product, and through which parts.

    ``kg``: shape (p, k). ``via_product``, ``via_material``, ``via_part``, ``via_kg``: shape (r,),
    one row per part that brings a material into a product, with the kg it brings per product unit.
    """

    kg: FloatArray
    via_product: IntArray
    via_material: IntArray
    via_part: IntArray
    via_kg: FloatArray


def material_content(net: SupplyNetwork) -> MaterialContent:
    """Return the material content of every product through its BOM (explosion × composition)."""
    p = net.products.size
    kg = np.zeros((p, net.n_materials))
    vp: list[IntArray] = []
    vm: list[IntArray] = []
    vpart: list[IntArray] = []
    vkg: list[FloatArray] = []
    for j, root in enumerate(net.products.tolist()):
        qty = explode(net.bom, root)
        amount = qty[net.comp_part] * net.comp_kg
        live = amount > 0
        kg[j] = np.bincount(net.comp_material[live], weights=amount[live], minlength=net.n_materials)
        vp.append(np.full(int(live.sum()), j, dtype=np.int64))
        vm.append(net.comp_material[live])
        vpart.append(net.comp_part[live])
        vkg.append(amount[live])

    def cat_i(parts: list[IntArray]) -> IntArray:
        return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)

    return MaterialContent(
        kg=kg,
        via_product=cat_i(vp),
        via_material=cat_i(vm),
        via_part=cat_i(vpart),
        via_kg=np.concatenate(vkg) if vkg else np.empty(0),
    )


# --- failures --------------------------------------------------------------------------------


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


# --- scenarios -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioResult:
    """Week-by-week impact of a scenario over weeks 0..H-1.

    ``parts``, ``part_start``, ``part_end``: shape (a,), parts that run short and when (absolute weeks).
    ``parts_short``: shape (H, a) bool, whether each of those parts is short in any part of the week.
    ``product_stopped``: shape (H, p), the fraction of each week a product is stopped.
    ``units_lost``: shape (H, p); ``revenue_lost``: shape (H,).
    """

    parts: IntArray
    part_start: FloatArray
    part_end: FloatArray
    parts_short: BoolArray
    product_stopped: FloatArray
    units_lost: FloatArray
    revenue_lost: FloatArray

    @property
    def total_revenue_lost(self) -> float:
        """Return the revenue lost over the whole horizon."""
        return float(self.revenue_lost.sum())


def _overlap(start: FloatArray, end: FloatArray, horizon: int) -> FloatArray:
    """Return the part of each week [t, t+1) inside [start, end), shape (H, len(start))."""
    t = np.arange(horizon, dtype=np.float64)[:, None]
    inside: FloatArray = np.clip(np.minimum(end[None, :], t + 1.0) - np.maximum(start[None, :], t), 0.0, 1.0)
    return inside


def run_scenario(
    net: SupplyNetwork, nodes: npt.ArrayLike, start_week: int, weeks: float, *, horizon: int = 52
) -> ScenarioResult:
    """Return the week-by-week impact of ``nodes`` being down from ``start_week`` for ``weeks`` weeks."""
    if start_week < 0 or weeks < 0:
        raise CoreError("a scenario starts at week 0 or later and lasts a non-negative number of weeks")
    impact = node_impact(net, nodes, weeks, horizon=max(horizon - start_week, 0))
    ps = impact.part_start + start_week
    pe = impact.part_end + start_week
    parts_short = _overlap(ps, pe, horizon) > 0
    stopped = _overlap(impact.product_start + start_week, impact.product_end + start_week, horizon)
    units = stopped * net.demand[None, :]
    revenue = units @ net.revenue
    return ScenarioResult(impact.parts, ps, pe, parts_short, stopped, units, revenue)


# --- mitigations -----------------------------------------------------------------------------


def with_extra_stock(net: SupplyNetwork, parts: npt.ArrayLike, units: npt.ArrayLike) -> SupplyNetwork:
    """Return the network with ``units`` more stock of ``parts`` (shape (a,) each)."""
    stock = net.stock.copy()
    np.add.at(stock, np.asarray(parts, dtype=np.int64), np.asarray(units, dtype=np.float64))
    with np.errstate(divide="ignore", invalid="ignore"):
        cover = np.where(net.usage > 0, stock / np.where(net.usage > 0, net.usage, 1.0), np.inf)
    return replace(net, stock=stock, cover=cover)


def with_alternate(
    net: SupplyNetwork,
    part: int | npt.ArrayLike,
    site: int,
    share: float,
    qual_weeks: int,
    lead_days: float = 0.0,
) -> SupplyNetwork:
    """Return the network with one more alternate source at ``site`` of ``part`` (a part, or an
    array of parts of shape (a,), each getting the same share, lead time and qualification)."""
    parts = np.atleast_1d(np.asarray(part, dtype=np.int64))
    m = parts.size
    return build_network(
        net.bom,
        edge_part=np.concatenate([net.edge_part, parts]),
        edge_site=np.concatenate([net.edge_site, np.full(m, site)]),
        edge_share=np.concatenate([net.edge_share, np.full(m, share, dtype=np.float64)]),
        edge_lead_days=np.concatenate([net.edge_lead_days, np.full(m, lead_days, dtype=np.float64)]),
        edge_alternate=np.concatenate([net.edge_alternate, np.ones(m, dtype=bool)]),
        edge_qual_weeks=np.concatenate([net.edge_qual_weeks, np.full(m, qual_weeks)]),
        site_country=net.site_country,
        site_org=net.site_org,
        n_countries=net.n_countries,
        comp_part=net.comp_part,
        comp_material=net.comp_material,
        comp_kg=net.comp_kg,
        n_materials=net.n_materials,
        material_country_share=net.material_country_share,
        stock=net.stock,
        usage=net.usage,
        products=net.products,
        demand=net.demand,
        revenue=net.revenue,
    )


def safety_stock_to_close(
    net: SupplyNetwork, node: int, ttr_weeks: float
) -> tuple[IntArray, FloatArray, NodeImpact]:
    """Return (parts, extra units, impact after) so that no product stops while ``node`` recovers.

    Each directly affected part gets the stock that covers its own shortfall for ``ttr_weeks``
    (alternates counted once qualified); subassembly stock above it is not relied on.
    """
    ttr_weeks = min(float(ttr_weeks), LONGEST_OUTAGE_WEEKS)
    edges, cut, keep = _failed(net, np.array([node], dtype=np.int64))
    weeks = max(int(np.ceil(ttr_weeks)), 1)
    parts = np.unique(np.concatenate([net.edge_part[edges], cut]))
    if parts.size == 0:
        return parts, np.empty(0), node_impact(net, node, ttr_weeks)
    supply = _supply(net, parts, edges, cut, keep, weeks)
    frac = np.ones(weeks)
    if ttr_weeks < weeks:
        frac[-1] = ttr_weeks - (weeks - 1)
    need = (net.usage[parts, None] * (1.0 - supply) * frac).sum(axis=1)
    extra = np.maximum(need - net.stock[parts], 0.0)
    keep = extra > 0
    after = with_extra_stock(net, parts[keep], extra[keep])
    return parts[keep], extra[keep], node_impact(after, node, ttr_weeks)
