"""Statistical process control for the connector's apps: a p-chart of the scrap fraction and a
machine's own idle-power baseline."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["PChart", "idle_anomalies", "idle_baseline", "p_chart"]


@dataclass(frozen=True)
class PChart:
    """A p-chart over subgroups: ``center`` (the baseline scrap fraction), and per subgroup, shape
    (n_subgroups,), its fraction ``p``, limits ``lower`` and ``upper`` (3 sigma for its size) and
    whether it is ``above`` the upper limit (the process drifted towards more scrap)."""

    center: float
    p: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    above: NDArray[np.bool_]


def p_chart(scrap: NDArray[np.float64], made: NDArray[np.float64], *, baseline: int) -> PChart:
    """Return the p-chart of subgroups with ``scrap`` defectives out of ``made`` parts each, shape
    (n_subgroups,), whose center line is the pooled fraction of the first ``baseline`` subgroups.

    A subgroup that made nothing has no fraction (nan) and is never above its limit.
    """
    if baseline < 1 or baseline > scrap.size:
        raise ValueError(f"the baseline needs 1 to {scrap.size} subgroups, not {baseline}")
    made_base = float(made[:baseline].sum())
    center = float(scrap[:baseline].sum()) / made_base if made_base > 0 else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(made > 0, scrap / made, np.nan)
        sigma = np.where(made > 0, np.sqrt(center * (1.0 - center) / made), np.nan)
    upper = np.minimum(center + 3.0 * sigma, 1.0)
    lower = np.maximum(center - 3.0 * sigma, 0.0)
    above = np.nan_to_num(p, nan=-1.0) > np.nan_to_num(upper, nan=np.inf)
    return PChart(center=center, p=p, lower=lower, upper=upper, above=above)


def idle_baseline(idle_kw: NDArray[np.float64]) -> float:
    """Return a machine's idle-power baseline: the median of its idle readings (kW), robust to the
    odd spike while it learns."""
    if idle_kw.size == 0:
        raise ValueError("an idle baseline needs at least one idle reading")
    return float(np.median(idle_kw))


def idle_anomalies(
    idle_kw: NDArray[np.float64], *, baseline_kw: float, tolerance: float, min_excess_kw: float, run: int
) -> NDArray[np.bool_]:
    """Return, per idle reading (shape (n,)), whether it ends a run of ``run`` readings each above
    the baseline by more than ``tolerance`` (a fraction) and by at least ``min_excess_kw``."""
    high = (idle_kw > baseline_kw * (1.0 + tolerance)) & (idle_kw - baseline_kw >= min_excess_kw)
    if run <= 1:
        return high
    counts = np.zeros(idle_kw.size, dtype=np.int64)
    streak = 0
    for i, flag in enumerate(high):
        streak = streak + 1 if flag else 0
        counts[i] = streak
    return counts >= run
