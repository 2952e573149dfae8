"""Energy from a machine's signals: deltas of cumulative counters (resets and rollovers found), energy
from power, the state and order in force at any moment, and energy attributed to production orders.

Times are seconds (float64), energies kWh, power kW. Signals are step functions: a state or order
holds from its sample until the next one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "DOWN",
    "IDLE",
    "RUNNING",
    "SETUP",
    "SHARE_RULES",
    "Attribution",
    "CounterDeltas",
    "ShareRule",
    "attribute",
    "counter_deltas",
    "power_to_energy",
    "step_at",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

RUNNING, IDLE, DOWN, SETUP = 0, 1, 2, 3
"""State codes, in the order of keten.connector.config.STATES."""

ShareRule = Literal["current", "next", "runtime", "output", "none"]
SHARE_RULES: tuple[ShareRule, ...] = ("current", "next", "runtime", "output", "none")
"""How the energy of a non-running state reaches orders: to the order in force (``current``), to the
next order that runs on the machine (``next``, usual for setup), over all orders of the period by
their running time (``runtime``) or their good output (``output``), or to none (``none``: overhead)."""


@dataclass(frozen=True)
class CounterDeltas:
    """The energy between consecutive readings of a cumulative counter.

    ``delta_kwh[i]`` is the energy from reading i-1 to reading i (for i = 0: from ``previous``);
    ``reset[i]`` and ``rollover[i]`` say the counter dropped there, and why it is thought to have.
    All of shape (n,).
    """

    delta_kwh: FloatArray
    reset: BoolArray
    rollover: BoolArray


def counter_deltas(
    readings_kwh: FloatArray,
    *,
    previous_kwh: float | None = None,
    reset_tolerance_kwh: float = 0.0,
    max_kwh: float | None = None,
    rollover_band: float = 0.1,
) -> CounterDeltas:
    """Return the energy between consecutive counter readings.

    A drop of at most ``reset_tolerance_kwh`` is meter jitter and counts as no energy. A larger drop
    is a rollover when ``max_kwh`` is known and the previous reading lay in the top ``rollover_band``
    of the range (the energy is what was left to the maximum plus the new reading); otherwise it is
    a reset to zero (the energy is the new reading). Because the counter is cumulative, a gap in the
    readings (a lost connection) loses nothing: the next delta covers it. ``previous_kwh`` is the last
    reading stored before these (a restarted connector resumes from it).
    """
    readings = np.asarray(readings_kwh, dtype=np.float64)
    n = readings.shape[0]
    before = np.empty(n, dtype=np.float64)
    if n:
        before[0] = readings[0] if previous_kwh is None else previous_kwh
        before[1:] = readings[:-1]
    step = readings - before
    drop = step < -reset_tolerance_kwh
    if max_kwh is not None:
        rollover = drop & (before >= (1.0 - rollover_band) * max_kwh)
    else:
        rollover = np.zeros(n, dtype=np.bool_)
    reset = drop & ~rollover
    delta = np.where(step > 0.0, step, 0.0)
    delta = np.where(reset, readings, delta)
    if max_kwh is not None:
        delta = np.where(rollover, (max_kwh - before) + readings, delta)
    return CounterDeltas(delta_kwh=delta, reset=reset, rollover=rollover)


def power_to_energy(t_s: FloatArray, power_kw: FloatArray, *, max_gap_s: float = np.inf) -> FloatArray:
    """Return the energy (kWh) of each interval between power samples, by the trapezoid rule.

    ``out[i]`` covers sample i-1 to sample i (``out[0]`` is 0). Intervals longer than ``max_gap_s``
    count nothing: power readings, unlike a counter, say nothing about a gap. Shape (n,).
    """
    t = np.asarray(t_s, dtype=np.float64)
    p = np.asarray(power_kw, dtype=np.float64)
    out = np.zeros(t.shape[0], dtype=np.float64)
    if t.shape[0] < 2:
        return out
    dt = np.diff(t)
    out[1:] = np.where(dt <= max_gap_s, 0.5 * (p[1:] + p[:-1]) * dt / 3600.0, 0.0)
    return out


def step_at(t_change_s: FloatArray, values: IntArray, t_query_s: FloatArray) -> IntArray:
    """Return the value of a step signal at each query time (-1 before its first sample).

    ``t_change_s`` must be sorted; shape of the result is that of ``t_query_s``.
    """
    idx = np.searchsorted(np.asarray(t_change_s, dtype=np.float64), t_query_s, side="right") - 1
    vals = np.asarray(values, dtype=np.int64)
    if vals.shape[0] == 0:
        return np.full(np.shape(t_query_s), -1, dtype=np.int64)
    return np.where(idx >= 0, vals[np.clip(idx, 0, None)], -1)


@dataclass(frozen=True)
class Attribution:
    """Energy of a machine's intervals attributed to orders.

    ``by_state_kwh[k, s]`` is the energy of state s (running, idle, down, setup) that order k
    carries, shape (n_orders, 4); ``unattributed_kwh[s]`` what no order carries, shape (4,).
    """

    by_state_kwh: FloatArray
    unattributed_kwh: FloatArray

    @property
    def order_kwh(self) -> FloatArray:
        """Return each order's energy, shape (n_orders,)."""
        result: FloatArray = self.by_state_kwh.sum(axis=1)
        return result


def _next_running_order(order: IntArray, running: BoolArray) -> IntArray:
    """Return, for each interval, the order of the next running interval at or after it (-1: none)."""
    n = order.shape[0]
    marked = np.where(running & (order >= 0), np.arange(n), n)
    following = np.minimum.accumulate(marked[::-1])[::-1]
    padded = np.append(order, -1)
    result: IntArray = padded[following]
    return result


def attribute(
    energy_kwh: FloatArray,
    duration_s: FloatArray,
    state: IntArray,
    order: IntArray,
    n_orders: int,
    *,
    rules: dict[int, ShareRule],
    good_units: FloatArray | None = None,
) -> Attribution:
    """Return the energy of each interval attributed to orders, by state and by ``rules``.

    ``energy_kwh[i]``, ``duration_s[i]``, ``state[i]`` and ``order[i]`` describe interval i (state
    and order in force at its start; order -1 when none; state -1 when unknown, treated as idle),
    shape (n,). Running energy goes to the order in force. Each other state follows
    ``rules[state]`` (see :data:`SHARE_RULES`; ``runtime`` weighs orders by their seconds running);
    when a rule finds no order, the energy is unattributed. ``good_units`` (shape (n_orders,))
    weighs the ``output`` rule.
    """
    energy = np.asarray(energy_kwh, dtype=np.float64)
    st = np.where(np.asarray(state) < 0, IDLE, np.asarray(state)).astype(np.int64)
    od = np.asarray(order, dtype=np.int64)
    by_state = np.zeros((n_orders, 4), dtype=np.float64)
    unattributed = np.zeros(4, dtype=np.float64)
    running = st == RUNNING
    ran = running & (od >= 0)
    runtime = np.bincount(od[ran], weights=np.asarray(duration_s, dtype=np.float64)[ran], minlength=n_orders)
    output = np.zeros(n_orders) if good_units is None else np.asarray(good_units, dtype=np.float64)
    following = _next_running_order(od, running)
    for s in (RUNNING, IDLE, DOWN, SETUP):
        mask = st == s
        rule: ShareRule = "current" if s == RUNNING else rules.get(s, "none")
        if rule in ("current", "next"):
            target = od if rule == "current" else following
            hit = mask & (target >= 0)
            by_state[:, s] = np.bincount(target[hit], weights=energy[hit], minlength=n_orders)
            unattributed[s] = float(energy[mask & ~hit].sum())
            continue
        total = float(energy[mask].sum())
        weights = {"runtime": runtime, "output": output}.get(rule)
        if weights is None or weights.sum() <= 0.0:
            unattributed[s] = total
            continue
        by_state[:, s] = total * weights / weights.sum()
    return Attribution(by_state_kwh=by_state, unattributed_kwh=unattributed)
