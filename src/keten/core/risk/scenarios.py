"""Scenarios week by week, and the mitigations that change the network: extra stock, an alternate
source, the safety stock that closes a gap."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from keten.core.errors import CoreError
from keten.core.risk.failures import NodeImpact, _failed, _supply, node_impact
from keten.core.risk.network import (
    LONGEST_OUTAGE_WEEKS,
    BoolArray,
    FloatArray,
    IntArray,
    SupplyNetwork,
    build_network,
)


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
