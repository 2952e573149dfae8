"""Idle power above the machine's own baseline: the app learns each machine's idle power (the
median of its first idle readings), then flags a run of idle readings well above it, and writes the
baseline and the finding back to the machine's twin."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from keten.connector.apps import AppContext, TwinEvent
from keten.core import control

__all__ = ["IdlePowerWatch", "create"]


@dataclass
class _Machine:
    state: str | None = None
    learning: list[float] = field(default_factory=list)
    baseline_kw: float | None = None
    recent: list[float] = field(default_factory=list)
    anomalous: bool = False


class IdlePowerWatch:
    """Watches the idle power of every machine it is given events of."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.learn = int(settings.get("learn_samples", 10))
        self.tolerance = float(settings.get("tolerance", 0.2))
        self.min_excess_kw = float(settings.get("min_excess_kw", 0.5))
        self.run = int(settings.get("run", 3))
        self.machines: dict[str, _Machine] = {}

    async def on_event(self, event: TwinEvent, ctx: AppContext) -> None:
        """Follow state changes; judge each power sample taken while idle."""
        machine = self.machines.setdefault(event.equipment, _Machine())
        if event.kind == "state":
            machine.state = str(event.value)
            machine.recent.clear()
            return
        if event.signal != "power_kw" or event.value is None:
            return
        if machine.state is None:
            # Before its first state change, the twin says what state the machine is in.
            machine.state = str(await ctx.aas.value(event.equipment, "State"))
        if machine.state != "idle":
            return
        await self._judge(event.equipment, machine, float(event.value), ctx)

    async def _judge(self, equipment: str, machine: _Machine, kw: float, ctx: AppContext) -> None:
        if machine.baseline_kw is None:
            machine.learning.append(kw)
            if len(machine.learning) >= self.learn:
                machine.baseline_kw = control.idle_baseline(np.array(machine.learning))
                await ctx.write_result(equipment, "IdleBaseline_kW", f"{machine.baseline_kw:.3f}")
            return
        machine.recent = [*machine.recent, kw][-self.run :]
        flags = control.idle_anomalies(
            np.array(machine.recent),
            baseline_kw=machine.baseline_kw,
            tolerance=self.tolerance,
            min_excess_kw=self.min_excess_kw,
            run=self.run,
        )
        anomalous = bool(flags[-1])
        if anomalous != machine.anomalous:
            machine.anomalous = anomalous
            finding = (
                f"idle at {kw:.3f} kW against a baseline of {machine.baseline_kw:.3f} kW"
                if anomalous
                else "none"
            )
            await ctx.write_result(equipment, "IdlePowerAnomaly", finding)


def create(settings: dict[str, Any]) -> IdlePowerWatch:
    """Return the app (the ``energy-anomaly`` entry point)."""
    return IdlePowerWatch(settings)
