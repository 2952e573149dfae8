"""The supply network as arrays: parts, sourcing edges, sites, countries, materials and products, with
the CSR indexes a failure walks."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from keten.core.bom import BomGraph
from keten.core.errors import CoreError

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
    ep = np.asarray(edge_part, dtype=np.int64)
    e = ep.size
    sc = np.asarray(site_country, dtype=np.int64)
    s = sc.size
    c = int(n_countries) if n_countries is not None else (int(sc.max()) + 1 if s else 0)
    cm = np.asarray(comp_material, dtype=np.int64)
    k = int(n_materials) if n_materials is not None else (int(cm.max()) + 1 if cm.size else 0)
    mcs = (
        np.zeros((k, c))
        if material_country_share is None
        else np.asarray(material_country_share, dtype=np.float64)
    )
    empty = np.empty(0, dtype=np.int64)
    net = SupplyNetwork(
        bom=bom,
        n_sites=s,
        n_countries=c,
        n_materials=k,
        edge_part=ep,
        edge_site=np.asarray(edge_site, dtype=np.int64),
        edge_share=np.asarray(edge_share, dtype=np.float64),
        edge_lead_days=np.zeros(e)
        if edge_lead_days is None
        else np.asarray(edge_lead_days, dtype=np.float64),
        edge_alternate=np.zeros(e, dtype=bool)
        if edge_alternate is None
        else np.asarray(edge_alternate, dtype=bool),
        edge_qual_weeks=(
            np.zeros(e, dtype=np.int64) if edge_qual_weeks is None else np.asarray(edge_qual_weeks, np.int64)
        ),
        site_country=sc,
        site_org=np.arange(s, dtype=np.int64) if site_org is None else np.asarray(site_org, dtype=np.int64),
        comp_part=np.asarray(comp_part, dtype=np.int64),
        comp_material=cm,
        comp_kg=np.asarray(comp_kg, dtype=np.float64),
        material_country_share=mcs,
        stock=np.asarray(stock, dtype=np.float64),
        usage=np.asarray(usage, dtype=np.float64),
        products=np.asarray(products, dtype=np.int64),
        demand=np.asarray(demand, dtype=np.float64),
        revenue=np.asarray(revenue, dtype=np.float64),
        part_edge_ptr=empty,
        part_edge_order=empty,
        site_edge_ptr=empty,
        site_edge_order=empty,
        country_edge_ptr=empty,
        country_edge_order=empty,
        material_comp_ptr=empty,
        material_comp_order=empty,
        up_ptr=empty,
        up_order=empty,
        cover=np.empty(0),
        product_slot=empty,
    )
    _check(net)
    return _indexed(net)


def _check(net: SupplyNetwork) -> None:
    """Raise CoreError naming the first array of a network that does not fit the others."""
    n, s, c, k = net.bom.n, net.n_sites, net.n_countries, net.n_materials
    ep, es, esh, qual = net.edge_part, net.edge_site, net.edge_share, net.edge_qual_weeks
    e, sc, mcs = ep.size, net.site_country, net.material_country_share
    cp, cm, ck, st, us = net.comp_part, net.comp_material, net.comp_kg, net.stock, net.usage
    prod = net.products
    if mcs.shape != (k, c) or np.any(mcs < 0) or np.any(mcs > 1):
        raise CoreError(f"material_country_share must be a ({k}, {c}) array of shares in 0..1")
    if not (
        es.shape == esh.shape == net.edge_lead_days.shape == net.edge_alternate.shape == qual.shape == (e,)
    ):
        raise CoreError("every sourcing edge array must have the same length")
    if e and (ep.min() < 0 or ep.max() >= n or es.min() < 0 or es.max() >= s):
        raise CoreError(f"sourcing edges must point at parts 0..{n - 1} and sites 0..{s - 1}")
    if e and (np.any(esh < 0) or np.any(esh > 1) or np.any(qual < 0)):
        raise CoreError("sourcing shares must lie in 0..1 and qualification delays must not be negative")
    if s and (sc.min() < 0 or sc.max() >= c):
        raise CoreError(f"site countries must lie in 0..{c - 1}")
    if net.site_org.shape != (s,):
        raise CoreError("site_org must have one organization per site")
    if not (cp.shape == cm.shape == ck.shape):
        raise CoreError("composition arrays must have the same length")
    if cp.size and (cp.min() < 0 or cp.max() >= n or cm.min() < 0 or cm.max() >= k):
        raise CoreError("composition rows must point at known parts and materials")
    if st.shape != (n,) or us.shape != (n,) or np.any(st < 0) or np.any(us < 0):
        raise CoreError("stock and usage need one non-negative value per part")
    if not (prod.shape == net.demand.shape == net.revenue.shape) or (
        prod.size and (prod.min() < 0 or prod.max() >= n)
    ):
        raise CoreError("products, demand and revenue must have one entry per product, products in 0..n-1")


def _indexed(net: SupplyNetwork) -> SupplyNetwork:
    """Return a checked network with its CSR indexes, weeks of cover and product slots."""
    n, s, c, k = net.bom.n, net.n_sites, net.n_countries, net.n_materials
    es, st, us = net.edge_site, net.stock, net.usage
    part_edge_ptr, part_edge_order = _csr(net.edge_part, n)
    site_edge_ptr, site_edge_order = _csr(es, s)
    country_edge_ptr, country_edge_order = _csr(net.site_country[es] if es.size else np.empty(0, np.int64), c)
    material_comp_ptr, material_comp_order = _csr(net.comp_material, k)
    up_ptr, up_order = _csr(net.bom.edge_child, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        cover = np.where(us > 0, st / np.where(us > 0, us, 1.0), np.inf)
    slot = np.full(n, -1, dtype=np.int64)
    slot[net.products] = np.arange(net.products.size)
    return replace(
        net,
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
