"""Scrap rate on a p-chart: the app cuts each machine's good and scrap counters (read from its twin)
into subgroups of a fixed number of parts, takes the first subgroups as the baseline, and when a
subgroup's scrap fraction rises above the upper control limit it lowers the machine's feed-rate
setpoint by a step over OPC UA, where the connector file grants it that setpoint."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from keten.connector.apps import AppContext, Refused, TwinEvent
from keten.core import control

__all__ = ["ScrapControl", "create"]


@dataclass
class _Machine:
    start: tuple[float, float] | None = None
    """(good, scrap) counters where the open subgroup began."""
    scrap: list[float] = field(default_factory=list)
    made: list[float] = field(default_factory=list)


class ScrapControl:
    """Keeps a p-chart per machine and slows a machine down when its process drifts."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.subgroup = int(settings.get("subgroup", 20))
        self.baseline = int(settings.get("baseline", 5))
        self.step = float(settings.get("step_pct", 10.0)) / 100.0
        self.setpoint = str(settings.get("setpoint", "feed_rate"))
        self.nominal = float(settings.get("nominal", 100.0))
        self.machines: dict[str, _Machine] = {}

    async def on_event(self, event: TwinEvent, ctx: AppContext) -> None:
        """Close a subgroup when enough parts were made since the last, and judge it."""
        if event.kind != "sample" or event.signal not in ("good_count", "scrap_count"):
            return
        values = await ctx.aas.values(event.equipment)
        good, scrap = values.get("GoodCount"), values.get("ScrapCount")
        if good is None or scrap is None:
            return
        machine = self.machines.setdefault(event.equipment, _Machine())
        if machine.start is None:
            machine.start = (float(good), float(scrap))
            return
        made = (float(good) - machine.start[0]) + (float(scrap) - machine.start[1])
        if made < self.subgroup:
            return
        machine.scrap.append(float(scrap) - machine.start[1])
        machine.made.append(made)
        machine.start = (float(good), float(scrap))
        await self._judge(event.equipment, machine, ctx)

    async def _judge(self, equipment: str, machine: _Machine, ctx: AppContext) -> None:
        await ctx.write_result(equipment, "Subgroups", str(len(machine.made)))
        if len(machine.made) < self.baseline:
            return
        chart = control.p_chart(np.array(machine.scrap), np.array(machine.made), baseline=self.baseline)
        p, upper = float(chart.p[-1]), float(chart.upper[-1])
        drifted = bool(chart.above[-1])
        await ctx.write_result(
            equipment,
            "ScrapRate",
            f"p {p:.4f}, center {chart.center:.4f}, upper limit {upper:.4f}: "
            + ("out of control" if drifted else "in control"),
        )
        if drifted:
            await self._slow_down(equipment, ctx)

    async def _slow_down(self, equipment: str, ctx: AppContext) -> None:
        try:
            current = await ctx.read_setpoint(equipment, self.setpoint)
        except Refused:
            current = self.nominal
        await ctx.write_setpoint(equipment, self.setpoint, round(current * (1.0 - self.step), 6))


def create(settings: dict[str, Any]) -> ScrapControl:
    """Return the app (the ``quality`` entry point)."""
    return ScrapControl(settings)
