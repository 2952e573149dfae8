"""Energy per production order, per good unit of a part at a site, and OEE per machine and site,
over a period, from the stored samples; measured energy handed to the footprint engine.

Each energy interval (between two counter readings, or two power readings where a machine has no
counter) belongs to the state and order in force at its start. Running energy goes to the order;
idle, down and setup energy follow the stated rules (keten.core.energy.SHARE_RULES).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from keten.connector import samples
from keten.connector.config import STATES
from keten.connector.models import Equipment, MachineOee, OrderEnergy, PartEnergy
from keten.core import energy, oee
from keten.footprints import service as footprints
from keten.problems import Problem

__all__ = [
    "DEFAULT_RULES",
    "Attributed",
    "attribute_period",
    "feed_footprints",
    "list_oee",
    "list_part_energy",
]

DEFAULT_RULES: dict[str, energy.ShareRule] = {"idle": "runtime", "setup": "next", "down": "current"}
"""Idle energy shared over the period's orders by running time; setup energy to the order set up for
(the next to run); energy while down to the order in force."""

MAX_POWER_GAP_S = 900.0
"""Power readings further apart than this say nothing of the energy between them."""


@dataclass
class Attributed:
    """What one attribution run computed."""

    orders: int = 0
    energy_kwh: float = 0.0
    unattributed_kwh: float = 0.0
    parts: list[dict[str, Any]] = field(default_factory=list)
    oee: list[dict[str, Any]] = field(default_factory=list)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _before(session: Session, eq: int, signal: str, start_ms: int, end_ms: int) -> samples.Series:
    """Return the samples of ``signal`` from ``start_ms`` to ``end_ms``, with the last one before
    ``start_ms`` first (the value in force, or the counter reading, when the period begins)."""
    last = samples.last_before(session, equipment_id=eq, signal=signal, before_ms=start_ms)
    first = start_ms if last is None else last
    return samples.series(session, equipment_id=eq, signal=signal, start_ms=first, end_ms=end_ms)


@dataclass(frozen=True)
class _Intervals:
    """Energy intervals of one machine within the period: start and end (s) and kWh, shape (n,)."""

    start_s: np.ndarray[Any, np.dtype[np.float64]]
    end_s: np.ndarray[Any, np.dtype[np.float64]]
    kwh: np.ndarray[Any, np.dtype[np.float64]]


def _intervals(session: Session, eq: Equipment, start_ms: int, end_ms: int) -> _Intervals:
    counter = _before(session, eq.id, "energy_kwh", start_ms, end_ms)
    if counter.ts_ms.size:
        t = counter.ts_ms / 1000.0
        deltas = energy.counter_deltas(
            counter.value, reset_tolerance_kwh=eq.reset_tolerance_kwh, max_kwh=eq.energy_max_kwh
        ).delta_kwh
    else:
        power = _before(session, eq.id, "power_kw", start_ms, end_ms)
        t = power.ts_ms / 1000.0
        deltas = energy.power_to_energy(t, power.value, max_gap_s=MAX_POWER_GAP_S)
    if t.size < 2:
        empty = np.zeros(0)
        return _Intervals(empty, empty, empty)
    # interval i runs from reading i-1 to reading i; only those ending inside the period count
    keep = slice(1, None)
    starts, ends, kwh = t[:-1], t[keep], deltas[keep]
    inside = ends > start_ms / 1000.0
    return _Intervals(starts[inside], ends[inside], kwh[inside])


def _text_codes(series: samples.Series, names: dict[str, int]) -> np.ndarray[Any, np.dtype[np.int64]]:
    codes = [names.setdefault(t, len(names)) if t else -1 for t in series.text]
    return np.array(codes, dtype=np.int64)


def _counts_by_order(
    session: Session, eq: int, signal: str, window: tuple[int, int], order_ts: Any, order_codes: Any, n: int
) -> np.ndarray[Any, np.dtype[np.float64]]:
    got = _before(session, eq, signal, *window)
    if got.ts_ms.size < 2:
        return np.zeros(n)
    # a count is a counter too: units between two readings, to the order in force at the first;
    # units counted at the period's start itself were made before it
    made = energy.counter_deltas(got.value).delta_kwh[1:]
    at = energy.step_at(order_ts, order_codes, got.ts_ms[:-1] / 1000.0)
    hit = (at >= 0) & (got.ts_ms[1:] > window[0])
    return np.bincount(at[hit], weights=made[hit], minlength=n).astype(np.float64)


def _machine(
    session: Session, eq: Equipment, window: tuple[int, int], rules: dict[int, energy.ShareRule]
) -> tuple[list[dict[str, Any]], float, oee.Oee]:
    """Return the order rows of one machine, its unattributed kWh and its OEE over ``window``."""
    start_ms, end_ms = window
    spans = _intervals(session, eq, start_ms, end_ms)
    state = _before(session, eq.id, "state", start_ms, end_ms)
    state_codes = np.nan_to_num(state.value, nan=-1).astype(np.int64)
    orders = _before(session, eq.id, "order_id", start_ms, end_ms)
    names: dict[str, int] = {}
    order_codes = _text_codes(orders, names)
    order_ts = orders.ts_ms / 1000.0
    n = len(names)
    good = _counts_by_order(session, eq.id, "good_count", window, order_ts, order_codes, n)
    scrap = _counts_by_order(session, eq.id, "scrap_count", window, order_ts, order_codes, n)
    result = energy.attribute(
        spans.kwh,
        spans.end_s - spans.start_s,
        energy.step_at(state.ts_ms / 1000.0, state_codes, spans.start_s),
        energy.step_at(order_ts, order_codes, spans.start_s),
        n,
        rules=rules,
        good_units=good,
    )
    parts = _before(session, eq.id, "part_number", start_ms, end_ms)
    part_names: dict[str, int] = {}
    part_codes = _text_codes(parts, part_names)
    part_of_sample = energy.step_at(parts.ts_ms / 1000.0, part_codes, order_ts)
    by_code = {v: k for k, v in part_names.items()}
    part_of_order: dict[int, str] = {}
    for code, part in zip(order_codes.tolist(), part_of_sample.tolist(), strict=True):
        if code >= 0 and part >= 0:
            part_of_order.setdefault(code, by_code[part])
    rows = [
        {
            "order_id": name,
            "part_number": part_of_order.get(k),
            "running_kwh": float(result.by_state_kwh[k, 0]),
            "idle_kwh": float(result.by_state_kwh[k, 1]),
            "down_kwh": float(result.by_state_kwh[k, 2]),
            "setup_kwh": float(result.by_state_kwh[k, 3]),
            "good": float(good[k]),
            "scrap": float(scrap[k]),
        }
        for name, k in names.items()
    ]
    seconds = oee.state_seconds(state.ts_ms / 1000.0, state_codes, start_ms / 1000.0, end_ms / 1000.0)
    made = float(good.sum() + scrap.sum())
    ideal = eq.ideal_cycle_s * made if eq.ideal_cycle_s is not None else None
    return (
        rows,
        float(result.unattributed_kwh.sum()),
        oee.oee(seconds, float(good.sum()), float(scrap.sum()), ideal),
    )


def _rule_codes(rules: dict[str, str]) -> dict[int, energy.ShareRule]:
    out: dict[int, energy.ShareRule] = {}
    for state, rule in rules.items():
        if state not in STATES or state == "running":
            raise Problem(422, "Unprocessable Content", f"a rule is for idle, down or setup, not {state!r}")
        if rule not in energy.SHARE_RULES:
            raise Problem(
                422, "Unprocessable Content", f"{state}: the rule is one of {', '.join(energy.SHARE_RULES)}"
            )
        out[STATES.index(state)] = rule
    return out


def _nan_none(value: float) -> float | None:
    return None if math.isnan(value) else value


def _oee_row(result: oee.Oee) -> dict[str, Any]:
    return {
        "planned_s": result.planned_s,
        "running_s": result.running_s,
        "good": result.good,
        "scrap": result.scrap,
        "availability": _nan_none(result.availability),
        "performance": _nan_none(result.performance),
        "quality": _nan_none(result.quality),
        "oee": _nan_none(result.oee),
        "good_per_hour": _nan_none(result.good_per_hour),
    }


def _site_oee(machines: list[tuple[Equipment, oee.Oee]]) -> oee.Oee:
    """Return a site's OEE: its machines' running and other time, counts and ideal time summed."""
    running = sum(r.running_s for _, r in machines)
    other = sum(r.planned_s - r.running_s for _, r in machines)
    good = sum(r.good for _, r in machines)
    scrap = sum(r.scrap for _, r in machines)
    ideal: float | None = None
    if all(eq.ideal_cycle_s is not None for eq, _ in machines):
        ideal = sum((eq.ideal_cycle_s or 0.0) * (r.good + r.scrap) for eq, r in machines)
    # only running against the rest matters to availability: the rest is counted as idle
    return oee.oee(np.array([running, other, 0.0, 0.0]), good, scrap, ideal)


def attribute_period(
    session: Session,
    *,
    start: datetime,
    end: datetime,
    rules: dict[str, str] | None = None,
    site: str | None = None,
) -> Attributed:
    """Attribute the energy of every machine (of ``site``) from ``start`` to ``end`` to orders, and
    store energy per order, per good unit of each part and site, and OEE per machine and site.

    A run for the same period replaces the last one's rows. ``rules`` (state -> rule) override
    :data:`DEFAULT_RULES`.
    """
    if end <= start:
        raise Problem(422, "Unprocessable Content", "the period must end after it starts")
    chosen = {**DEFAULT_RULES, **(rules or {})}
    codes = _rule_codes(chosen)
    window = (_ms(start), _ms(end))
    query = select(Equipment).order_by(Equipment.key)
    if site is not None:
        query = query.where(Equipment.site_code == site)
    machines = list(session.scalars(query))
    ids = [m.id for m in machines]
    for table in (OrderEnergy, MachineOee):
        session.execute(
            delete(table).where(
                table.equipment_id.in_(ids), table.period_start == start, table.period_end == end
            )
        )
    out = Attributed()
    period = {"period_start": start, "period_end": end}
    per_site: dict[str, list[tuple[Equipment, oee.Oee]]] = defaultdict(list)
    per_part: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for eq in machines:
        rows, unattributed, result = _machine(session, eq, window, codes)
        place = {"equipment_id": eq.id, "site_code": eq.site_code, **period}
        session.add_all(OrderEnergy(rules=chosen, **place, **row) for row in rows)
        for row in rows:
            kwh = row["running_kwh"] + row["idle_kwh"] + row["down_kwh"] + row["setup_kwh"]
            out.energy_kwh += kwh
            if row["part_number"]:
                total = per_part[(row["part_number"], eq.site_code)]
                total[0] += kwh
                total[1] += row["good"]
        out.orders += len(rows)
        out.unattributed_kwh += unattributed
        out.energy_kwh += unattributed
        session.add(MachineOee(**place, **_oee_row(result)))
        out.oee.append({"equipment": eq.key, "site": eq.site_code, **_oee_row(result)})
        per_site[eq.site_code].append((eq, result))
    for code, members in per_site.items():
        session.execute(
            delete(MachineOee).where(
                MachineOee.equipment_id.is_(None),
                MachineOee.site_code == code,
                MachineOee.period_start == start,
                MachineOee.period_end == end,
            )
        )
        row = _oee_row(_site_oee(members))
        session.add(MachineOee(equipment_id=None, site_code=code, period_start=start, period_end=end, **row))
        out.oee.append({"equipment": None, "site": code, **row})
    out.parts = _store_parts(session, per_part, start, end)
    session.flush()
    return out


def _store_parts(
    session: Session, per_part: dict[tuple[str, str], list[float]], start: datetime, end: datetime
) -> list[dict[str, Any]]:
    out = []
    for (part, site), (kwh, good) in sorted(per_part.items()):
        session.execute(
            delete(PartEnergy).where(
                PartEnergy.part_number == part,
                PartEnergy.site_code == site,
                PartEnergy.period_start == start,
                PartEnergy.period_end == end,
            )
        )
        if good <= 0:
            continue
        row = {
            "part_number": part,
            "site_code": site,
            "energy_kwh": kwh,
            "good_units": good,
            "kwh_per_unit": kwh / good,
        }
        session.add(PartEnergy(period_start=start, period_end=end, in_footprints=False, **row))
        out.append(row)
    return out


def feed_footprints(session: Session, *, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Hand each part's measured energy per unit of the period to the footprint engine as its
    electricity at the site (primary data); return what was fed and what was skipped and why."""
    rows = session.scalars(
        select(PartEnergy).where(PartEnergy.period_start == start, PartEnergy.period_end == end)
    ).all()
    out = []
    for row in rows:
        try:
            footprints.record_measured_electricity(
                session,
                part_number=row.part_number,
                site_code=row.site_code,
                kwh_per_unit=row.kwh_per_unit,
                source=f"measured energy {start.isoformat()} to {end.isoformat()}",
            )
        except Problem as problem:
            out.append(
                {
                    "part_number": row.part_number,
                    "site": row.site_code,
                    "fed": False,
                    "reason": problem.detail,
                }
            )
            continue
        row.in_footprints = True
        out.append(
            {
                "part_number": row.part_number,
                "site": row.site_code,
                "fed": True,
                "kwh_per_unit": row.kwh_per_unit,
            }
        )
    session.flush()
    return out


def list_part_energy(session: Session, *, part_number: str | None = None) -> list[PartEnergy]:
    """Return the measured energy per unit, newest period first."""
    query = select(PartEnergy).order_by(PartEnergy.period_end.desc(), PartEnergy.part_number)
    if part_number is not None:
        query = query.where(PartEnergy.part_number == part_number)
    return list(session.scalars(query))


def list_oee(session: Session, *, site: str | None = None) -> list[dict[str, Any]]:
    """Return the stored OEE of machines and sites, newest period first."""
    keys = {id_: key for id_, key in session.execute(select(Equipment.id, Equipment.key))}
    query = select(MachineOee).order_by(MachineOee.period_end.desc(), MachineOee.site_code, MachineOee.id)
    if site is not None:
        query = query.where(MachineOee.site_code == site)
    return [
        {
            "equipment": keys.get(r.equipment_id) if r.equipment_id is not None else None,
            "site": r.site_code,
            "period_start": r.period_start,
            "period_end": r.period_end,
            **{
                k: getattr(r, k)
                for k in (
                    "planned_s",
                    "running_s",
                    "good",
                    "scrap",
                    "availability",
                    "performance",
                    "quality",
                    "oee",
                    "good_per_hour",
                )
            },
        }
        for r in session.scalars(query)
    ]
