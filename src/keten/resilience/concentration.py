"""Concentration: where each part comes from, single sources and countries, and the
Herfindahl-Hirschman index of each material's supply."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from keten.core import risk
from keten.resilience.crm import _crm
from keten.resilience.network import IntArray, Network, load


def _nan_none(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _edges_of(network: Network, part: int) -> IntArray:
    net = network.net
    return net.part_edge_order[net.part_edge_ptr[part] : net.part_edge_ptr[part + 1]]


def _sources(network: Network, part: int) -> list[dict[str, Any]]:
    net = network.net
    out: list[dict[str, Any]] = []
    for e in _edges_of(network, part).tolist():
        site = int(net.edge_site[e])
        out.append(
            {
                "site": network.site_codes[site],
                "supplier": network.org_codes[int(network.site_org[site])],
                "country": network.countries[int(net.site_country[site])],
                "share": float(net.edge_share[e]),
                "alternate": bool(net.edge_alternate[e]),
                "lead_time_weeks": float(net.edge_lead_days[e]) / 7.0,
            }
        )
    return out


def concentration(
    session: Session, *, single: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """Return one page of bought parts by revenue behind them, with supplier and country HHI, and the count.

    ``single``: ``source`` or ``country`` keeps only single-source or single-country parts.
    """
    network = load(session)
    conc = network.cache("concentration", lambda: risk.concentration(network.net, by_organization=True))
    sourced = np.flatnonzero(~np.isnan(conc.hhi_supplier))
    if single == "source":
        sourced = sourced[conc.single_source[sourced]]
    elif single == "country":
        sourced = sourced[conc.single_country[sourced]]
    order = np.lexsort((-network.spend_per_week[sourced], -network.revenue_behind[sourced]))
    chosen = sourced[order]
    page = chosen[offset : offset + limit]
    items = []
    for i in page.tolist():
        items.append(
            {
                "part_number": network.part_numbers[i],
                "name": network.part_names[i],
                "suppliers": int(conc.n_suppliers[i]),
                "countries": int(conc.n_countries[i]),
                "hhi_supplier": float(conc.hhi_supplier[i]),
                "hhi_country": float(conc.hhi_country[i]),
                "single_source": bool(conc.single_source[i]),
                "single_country": bool(conc.single_country[i]),
                "has_alternate": bool(network.net.edge_alternate[_edges_of(network, i)].any()),
                "spend_eur_per_week": float(network.spend_per_week[i]),
                "revenue_eur_per_week": float(network.revenue_behind[i]),
                "stock_weeks": _nan_none(float(network.net.cover[i])),
                "sources": _sources(network, i),
            }
        )
    return items, int(chosen.size)


def _hhi(shares: Iterable[float]) -> float | None:
    values = list(shares)
    return float(sum(s * s for s in values)) if values else None


def _supplier_flows(network: Network) -> dict[int, dict[int, float]]:
    """Return kg per week of each material through each supplier organization: {material: {org: kg}}."""
    net = network.net
    width = max(len(network.org_codes), 1)
    counts = net.part_edge_ptr[net.comp_part + 1] - net.part_edge_ptr[net.comp_part]
    row = np.repeat(np.arange(net.comp_part.size), counts)
    starts = np.repeat(net.part_edge_ptr[net.comp_part] - (np.cumsum(counts) - counts), counts)
    edge = net.part_edge_order[starts + np.arange(row.size)] if row.size else np.empty(0, np.int64)
    primary = ~net.edge_alternate[edge]
    row, edge = row[primary], edge[primary]
    flow = net.comp_kg[row] * net.usage[net.comp_part[row]] * net.edge_share[edge]
    key = net.comp_material[row] * width + network.site_org[net.edge_site[edge]]
    uniq, inverse = np.unique(key, return_inverse=True)
    summed = np.bincount(inverse, weights=flow)
    out: dict[int, dict[int, float]] = {}
    for u, value in zip(uniq.tolist(), summed.tolist(), strict=True):
        m, o = divmod(u, width)
        out.setdefault(m, {})[o] = value
    return out


def material_concentration(session: Session) -> list[dict[str, Any]]:
    """Return every material the products contain: world supply concentration, own sourcing, exposure."""
    network = load(session)
    net = network.net
    content = network.cache("content", lambda: risk.material_content(net))
    weekly_revenue = net.demand * net.revenue
    kg_week = np.bincount(
        net.comp_material, weights=net.comp_kg * net.usage[net.comp_part], minlength=net.n_materials
    )
    crm = _crm()
    flows = _supplier_flows(network)
    out: list[dict[str, Any]] = []
    for k, code in enumerate(network.material_codes):
        rows = np.flatnonzero(net.comp_material == k)
        if rows.size == 0:
            continue
        parts = np.unique(net.comp_part[rows])
        by_supplier = flows.get(k, {})
        total = sum(by_supplier.values())
        stages = network.material_stage_shares[k]
        top = max(
            ((c, s, stage) for stage, shares in stages.items() for c, s in shares.items()),
            key=lambda t: t[1],
            default=None,
        )
        entry = crm.materials.get(network.material_crm[k] or "")
        out.append(
            {
                "code": code,
                "name": network.material_names[k],
                "crm": entry.code if entry else None,
                "crm_name": entry.name if entry else None,
                "strategic": bool(entry and entry.strategic),
                "supply_risk": entry.supply_risk if entry else None,
                "kg_per_week": float(kg_week[k]),
                "parts": int(parts.size),
                "suppliers": len(by_supplier),
                "hhi_supplier": _hhi(v / total for v in by_supplier.values()) if total > 0 else None,
                "hhi_world_extraction": _hhi(stages.get("extraction", {}).values()),
                "hhi_world_processing": _hhi(stages.get("processing", {}).values()),
                "top_country": top[0] if top else None,
                "top_country_share": top[1] if top else None,
                "top_country_stage": top[2] if top else None,
                "revenue_eur_per_week": float(weekly_revenue[content.kg[:, k] > 0].sum()),
            }
        )
    out.sort(key=lambda m: (not m["strategic"], m["crm"] is None, -m["revenue_eur_per_week"], m["code"]))
    return out
