"""Time to survive and time to recover of every node, and the ranking of single failures by the
revenue they put at risk."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from keten.core import risk
from keten.problems import Problem
from keten.resilience.concentration import _nan_none
from keten.resilience.network import HORIZON_WEEKS, MATERIAL_TTR_WEEKS, NODE_KINDS, IntArray, Network, load


def _node_list(network: Network, kind: str) -> list[tuple[str, IntArray]]:
    """Return (reference, core nodes) of every node of a kind."""
    net = network.net
    s, c = net.n_sites, net.n_countries
    if kind == "site":
        return [(f"site:{code}", np.array([i])) for i, code in enumerate(network.site_codes)]
    if kind == "supplier":
        out: list[tuple[str, IntArray]] = []
        for org, code in enumerate(network.org_codes):
            found = np.flatnonzero(network.site_org == org)
            if found.size and code != network.own_org:
                out.append((f"supplier:{code}", found.astype(np.int64)))
        return out
    if kind == "country":
        return [(f"country:{code}", np.array([s + i])) for i, code in enumerate(network.countries)]
    if kind == "material":
        # Only listed critical raw materials: steel or a polymer is not a material whose supply fails.
        return [
            (f"material:{code}", np.array([s + c + i]))
            for i, code in enumerate(network.material_codes)
            if network.material_crm[i] is not None
        ]
    raise Problem(422, "Unprocessable Content", f"kind must be one of {', '.join(NODE_KINDS)}, not {kind!r}")


def _ttr(network: Network, nodes: IntArray, material_ttr_weeks: float) -> float:
    """Return the time to recover of a group of nodes: the longest of theirs.

    A site recovers in the longest lead time of its sourcing, a country in the longest of its
    sites, and, where it mines or processes a material the parts contain, no sooner than that
    material (``material_ttr_weeks``).
    """
    net = network.net
    ttr = network.cache("ttr", lambda: risk.lead_time_ttr(net))
    values = np.where(np.isnan(ttr[nodes]), material_ttr_weeks, ttr[nodes])
    s, c = net.n_sites, net.n_countries
    countries = nodes[(nodes >= s) & (nodes < s + c)] - s
    if countries.size:
        used = network.cache(
            "used materials", lambda: np.bincount(net.comp_material, minlength=net.n_materials) > 0
        )
        if np.any(net.material_country_share[used][:, countries] > 0):
            values = np.append(values, material_ttr_weeks)
    return float(values.max())


def _cached_impacts(
    network: Network, kind: str, weeks: float | None, material_ttr_weeks: float, horizon: int
) -> list[dict[str, Any]]:
    """Return, per node of a kind, its TTR and the impact of it failing for ``weeks`` (or its TTR)."""

    def compute() -> list[dict[str, Any]]:
        net = network.net
        out: list[dict[str, Any]] = []
        for ref, nodes in _node_list(network, kind):
            ttr = _ttr(network, nodes, material_ttr_weeks)
            outage = ttr if weeks is None else weeks
            impact = risk.node_impact(net, nodes, outage, horizon=horizon)
            stopped = np.isfinite(impact.product_start)
            tts = float(impact.product_start.min()) if stopped.any() else math.inf
            out.append(
                {
                    "node": ref,
                    "ttr": ttr,
                    "outage": outage,
                    "tts": tts,
                    "revenue_at_risk": impact.revenue_at_risk,
                    "parts_short": int(impact.parts.size),
                    "products_stopped": [
                        network.part_numbers[int(net.products[j])] for j in np.flatnonzero(stopped).tolist()
                    ],
                    "product_tts": {
                        network.part_numbers[int(net.products[j])]: float(impact.product_start[j])
                        for j in np.flatnonzero(stopped).tolist()
                    },
                }
            )
        return out

    found: list[dict[str, Any]] = network.cache(
        ("impacts", kind, weeks, material_ttr_weeks, horizon), compute
    )
    return found


def _node_row(network: Network, row: dict[str, Any]) -> dict[str, Any]:
    kind, _, code = row["node"].partition(":")
    country = None
    if kind == "site":
        country = network.countries[int(network.net.site_country[network._pos("site")[code]])]
    elif kind == "country":
        country = code
    return {
        "node": row["node"],
        "kind": kind,
        "code": code,
        "name": network.node_name(row["node"]),
        "country": country,
        "ttr_weeks": row["ttr"],
        "tts_weeks": _nan_none(row["tts"]),
        "outage_weeks": row["outage"],
        "exposed": row["tts"] < row["ttr"],
        "gap_weeks": max(row["ttr"] - row["tts"], 0.0) if math.isfinite(row["tts"]) else 0.0,
        "revenue_at_risk_eur": row["revenue_at_risk"],
        "parts_short": row["parts_short"],
        "products_stopped": row["products_stopped"],
    }


def exposure(
    session: Session,
    *,
    kind: str,
    material_ttr_weeks: float = MATERIAL_TTR_WEEKS,
    exposed_only: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """Return one page of nodes of a kind with time to survive against time to recover, largest gap first.

    Every node fails for its own time to recover (the longest lead time of its sourcing; for a
    material ``material_ttr_weeks``); its time to survive is when the first product stops.
    """
    network = load(session)
    rows = [
        _node_row(network, r) for r in _cached_impacts(network, kind, None, material_ttr_weeks, HORIZON_WEEKS)
    ]
    if exposed_only:
        rows = [r for r in rows if r["exposed"]]
    rows.sort(key=lambda r: (-r["gap_weeks"], -r["revenue_at_risk_eur"], r["node"]))
    return rows[offset : offset + limit], len(rows)


def critical_nodes(
    session: Session,
    *,
    kinds: Sequence[str] = ("supplier", "country", "material"),
    weeks: float | None = None,
    material_ttr_weeks: float = MATERIAL_TTR_WEEKS,
    horizon: int = HORIZON_WEEKS,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """Return one page of single-node failures ranked by revenue at risk within ``horizon`` weeks.

    Each node fails for ``weeks``, or for its own time to recover when ``weeks`` is None.
    """
    network = load(session)
    rows: list[dict[str, Any]] = []
    for kind in kinds:
        rows.extend(
            _node_row(network, r) for r in _cached_impacts(network, kind, weeks, material_ttr_weeks, horizon)
        )
    rows.sort(key=lambda r: (-r["revenue_at_risk_eur"], -r["gap_weeks"], r["node"]))
    ranked = [{"rank": i + 1, **r} for i, r in enumerate(rows)]
    return ranked[offset : offset + limit], len(ranked)


def country_exposure(
    session: Session, *, weeks: float | None = None, material_ttr_weeks: float = MATERIAL_TTR_WEEKS
) -> list[dict[str, Any]]:
    """Return every country with its supplier sites, spend per week and revenue at risk if it fails."""
    network = load(session)
    net = network.net
    impacts = {
        r["node"]: r for r in _cached_impacts(network, "country", weeks, material_ttr_weeks, HORIZON_WEEKS)
    }
    spend = np.zeros(net.n_countries)
    prim = ~net.edge_alternate
    edge_spend = net.edge_share * net.usage[net.edge_part] * np.nan_to_num(network.edge_price)
    np.add.at(spend, net.site_country[net.edge_site[prim]], edge_spend[prim])
    sites = np.bincount(net.site_country, minlength=net.n_countries)
    used = np.zeros(net.n_materials, dtype=bool)
    used[net.comp_material] = True
    out: list[dict[str, Any]] = []
    for i, code in enumerate(network.countries):
        row = impacts[f"country:{code}"]
        out.append(
            {
                "country": code,
                "sites": int(sites[i]),
                "spend_eur_per_week": float(spend[i]),
                "materials": [
                    network.material_codes[k]
                    for k in np.flatnonzero((net.material_country_share[:, i] > 0) & used).tolist()
                ],
                "ttr_weeks": row["ttr"],
                "tts_weeks": _nan_none(row["tts"]),
                "revenue_at_risk_eur": row["revenue_at_risk"],
            }
        )
    out.sort(key=lambda r: (-r["revenue_at_risk_eur"], -r["spend_eur_per_week"], r["country"]))
    return out
