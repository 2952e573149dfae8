"""Mitigations: what would shorten a critical node's time to recover or lengthen the time to survive
it (qualify an alternate, a second source, more stock)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from keten.core import risk
from keten.resilience.network import MATERIAL_TTR_WEEKS, IntArray, Network, load
from keten.resilience.survival import _ttr


def _candidate_site(network: Network, failed: IntArray) -> int | None:
    """Return the site outside the failure (its organizations and countries) that supplies most parts."""
    net = network.net
    s = net.n_sites
    failed_sites = failed[failed < s]
    failed_countries = failed[(failed >= s) & (failed < s + net.n_countries)] - s
    bad_orgs = set(network.site_org[failed_sites].tolist())
    bad_countries = set(failed_countries.tolist()) | set(net.site_country[failed_sites].tolist())
    if failed_countries.size == 0:
        bad_countries = set()
    counts = np.bincount(net.edge_site, minlength=s)
    best: int | None = None
    for site in np.argsort(-counts, kind="stable").tolist():
        if int(network.site_org[site]) in bad_orgs or int(net.site_country[site]) in bad_countries:
            continue
        if network.org_codes[int(network.site_org[site])] == network.own_org:
            continue
        best = int(site)
        break
    return best


def _stock_option(network: Network, ids: IntArray, outage: float) -> dict[str, Any]:
    """Extra safety stock of the parts a failure of ``ids`` cuts, sized to outlast ``outage`` weeks."""
    net = network.net
    if ids.size == 1:
        parts, extra, after = risk.safety_stock_to_close(net, int(ids[0]), outage)
    else:
        # a supplier with several sites: size the stock against all of them failing at once
        edges = np.concatenate([_site_edges(net, int(i)) for i in ids])
        parts = np.unique(net.edge_part[edges])
        need = np.array(
            [float(net.usage[p]) * outage * (1.0 - _kept_share(net, int(p), edges)) for p in parts.tolist()]
        )
        extra_all = np.maximum(need - net.stock[parts], 0.0)
        keep = extra_all > 0
        parts, extra = parts[keep], extra_all[keep]
        after = risk.node_impact(risk.with_extra_stock(net, parts, extra), ids, outage)
    price = np.nan_to_num(network.unit_price[parts]) if parts.size else np.zeros(0)
    return {
        "kind": "safety_stock",
        "description": "extra safety stock of the directly affected parts",
        "parts": [
            {
                "part_number": network.part_numbers[int(p)],
                "extra_units": float(u),
                "extra_weeks": float(u / net.usage[p]) if net.usage[p] > 0 else None,
                "cost_eur": float(u * c),
            }
            for p, u, c in zip(parts.tolist(), extra.tolist(), price.tolist(), strict=True)
        ],
        "cost_eur": float(np.sum(extra * price)),
        "revenue_at_risk_after_eur": after.revenue_at_risk,
    }


def _alternate_option(
    network: Network, ids: IntArray, kind: str, outage: float, qualification_weeks: int
) -> dict[str, Any] | None:
    """An alternate source of the affected parts at another supplier (or country); None if none fits."""
    net = network.net
    edges = np.concatenate(
        [_site_edges(net, int(i)) for i in ids[ids < net.n_sites]] or [np.empty(0, np.int64)]
    )
    if kind == "country":
        country = int(ids[0]) - net.n_sites
        edges = np.flatnonzero(net.site_country[net.edge_site] == country)
    affected = np.unique(net.edge_part[edges[~net.edge_alternate[edges]]])
    site = _candidate_site(network, ids)
    if not affected.size or site is None:
        return None
    alt_net = risk.with_alternate(net, affected, site, 1.0, qualification_weeks)
    return {
        "kind": "second_country" if kind == "country" else "alternate",
        "description": "qualify an alternate source of the affected parts"
        + (" in another country" if kind == "country" else " at another supplier"),
        "candidate_site": network.site_codes[site],
        "candidate_country": network.countries[int(net.site_country[site])],
        "qualification_weeks": qualification_weeks,
        "parts": [{"part_number": network.part_numbers[int(p)]} for p in affected.tolist()],
        "revenue_at_risk_after_eur": risk.node_impact(alt_net, ids, outage).revenue_at_risk,
    }


def mitigations(
    session: Session,
    *,
    node: str,
    weeks: float | None = None,
    qualification_weeks: int = 8,
    material_ttr_weeks: float = MATERIAL_TTR_WEEKS,
) -> dict[str, Any]:
    """Return what closes the gap of a failing node, each option with its effect recomputed.

    Options: extra safety stock of the directly affected parts (units and cost per part); for a
    site or supplier, an alternate source of those parts qualified after ``qualification_weeks``
    at another organization's site; for a country, the same in a second country. Materials are
    cut whatever the source, so for them only stock helps.
    """
    network = load(session)
    net = network.net
    ids = network.nodes(node)
    outage = _ttr(network, ids, material_ttr_weeks) if weeks is None else float(weeks)
    before = risk.node_impact(net, ids, outage)
    kind = node.partition(":")[0]
    options = [_stock_option(network, ids, outage)]
    if kind in ("site", "supplier", "country"):
        alternate = _alternate_option(network, ids, kind, outage, qualification_weeks)
        if alternate is not None:
            options.append(alternate)
    for option in options:
        option["revenue_saved_eur"] = before.revenue_at_risk - option["revenue_at_risk_after_eur"]
    return {
        "node": node,
        "name": network.node_name(node),
        "outage_weeks": outage,
        "revenue_at_risk_eur": before.revenue_at_risk,
        "fingerprint": network.fingerprint,
        "options": options,
    }


def _site_edges(net: risk.SupplyNetwork, site: int) -> IntArray:
    return net.site_edge_order[net.site_edge_ptr[site] : net.site_edge_ptr[site + 1]]


def _kept_share(net: risk.SupplyNetwork, part: int, failed_edges: IntArray) -> float:
    """Return the share of a part's usage its primary sources outside ``failed_edges`` still deliver."""
    edges = net.part_edge_order[net.part_edge_ptr[part] : net.part_edge_ptr[part + 1]]
    live = edges[~np.isin(edges, failed_edges) & ~net.edge_alternate[edges]]
    return float(min(net.edge_share[live].sum(), 1.0))
