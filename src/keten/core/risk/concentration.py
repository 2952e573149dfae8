"""Concentration of supply (Herfindahl-Hirschman, 0..1) and the critical raw material content of
parts and products."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from keten.core.bom import explode
from keten.core.risk.network import BoolArray, FloatArray, IntArray, SupplyNetwork


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
