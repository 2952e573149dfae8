"""Overall equipment effectiveness from a machine's state and count signals over a period.

Availability = running time / time the machine was reported in any state; performance = ideal cycle
time x parts made / running time (capped at 1); quality = good / (good + scrap); OEE = their product.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from keten.core.energy import RUNNING

__all__ = ["Oee", "oee", "state_seconds"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class Oee:
    """A machine's effectiveness over a period; ratios are NaN where their denominator is zero."""

    planned_s: float
    running_s: float
    good: float
    scrap: float
    availability: float
    performance: float
    quality: float
    oee: float
    good_per_hour: float


def state_seconds(t_s: FloatArray, state: IntArray, start_s: float, end_s: float) -> FloatArray:
    """Return the seconds spent in each state (running, idle, down, setup) between ``start_s`` and
    ``end_s``, from a step signal sampled at ``t_s`` (sorted); time before its first sample counts in
    no state. Shape (4,)."""
    t = np.clip(np.asarray(t_s, dtype=np.float64), start_s, end_s)
    ends = np.append(t[1:], end_s)
    duration = np.maximum(ends - t, 0.0)
    st = np.asarray(state, dtype=np.int64)
    known = (st >= 0) & (st < 4)
    result: FloatArray = np.bincount(st[known], weights=duration[known], minlength=4)[:4].astype(np.float64)
    return result


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 else float("nan")


def oee(seconds_by_state: FloatArray, good: float, scrap: float, ideal_time_s: float | None) -> Oee:
    """Return availability, performance, quality and OEE from state seconds (shape (4,)) and counts.

    ``ideal_time_s`` is the time the parts made would take at the ideal cycle (ideal cycle x parts,
    summed over machines for a site); without it performance cannot be known: it and OEE are NaN.
    """
    planned = float(np.sum(seconds_by_state))
    running = float(seconds_by_state[RUNNING])
    made = good + scrap
    availability = _ratio(running, planned)
    performance = float("nan")
    if ideal_time_s is not None and running > 0:
        performance = min(1.0, ideal_time_s / running)
    quality = _ratio(good, made)
    return Oee(
        planned_s=planned,
        running_s=running,
        good=good,
        scrap=scrap,
        availability=availability,
        performance=performance,
        quality=quality,
        oee=availability * performance * quality,
        good_per_hour=_ratio(good * 3600.0, planned),
    )
