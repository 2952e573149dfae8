"""The recorder between the sources and the database: readings are buffered and written in batches,
energy counters are followed across batches and restarts so that resets and rollovers are logged,
and what a source says about itself (connected, lag, errors, last values) is kept for its status."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from keten.connector import samples
from keten.connector.config import SIGNALS, ConnectorConfig
from keten.connector.models import ConnectorSource
from keten.core import energy

__all__ = ["Reading", "Recorder", "SourceStatus"]

_SIGNAL = {name: i for i, name in enumerate(SIGNALS)}


@dataclass(frozen=True)
class Reading:
    """One value of one signal of one equipment, converted to keten's units (kW, kWh, state code)."""

    equipment: str
    signal: str
    ts_ms: int
    value: float | None = None
    text: str | None = None


@dataclass
class SourceStatus:
    """What the recorder knows of one source between flushes."""

    kind: str
    address: str
    connected: bool = False
    samples: int = 0
    errors: int = 0
    last_error: str | None = None
    last_message_at: datetime | None = None
    lag_s: float | None = None
    last_values: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    events: list[tuple[str, str | None, str]] = field(default_factory=list)
    """(kind, equipment, detail) not yet written."""
    latest: dict[tuple[str, str], Reading] = field(default_factory=dict)
    """The last reading of each (equipment, signal) since the last flush."""

    def settle(self) -> None:
        """Fold the readings since the last flush into the last values, message time and lag."""
        if not self.latest:
            return
        now = datetime.now(UTC)
        newest = max(r.ts_ms for r in self.latest.values())
        for (equipment, signal), r in self.latest.items():
            shown = r.value if r.value is not None else r.text
            self.last_values.setdefault(equipment, {})[signal] = [shown, r.ts_ms]
        self.last_message_at = now
        self.lag_s = max(0.0, now.timestamp() - newest / 1000.0)
        self.latest.clear()


class Recorder:
    """Buffers readings from every source of one connector file and writes them in batches."""

    def __init__(self, config: ConnectorConfig) -> None:
        self.config = config
        self.process = f"{socket.gethostname()}:{os.getpid()}"
        self._ids: dict[str, int] = {}
        self._rows: list[samples.Row] = []
        self.listeners: list[Callable[[list[Reading]], None]] = []
        """Called with the readings of each flush once it is committed (the apps' twin events)."""
        self._readings: list[Reading] = []
        self._written: list[Reading] = []
        self._counters: dict[int, float] = {}
        self._equipment = {e.id: e for e in config.equipment}
        self.sources = {
            s.name: SourceStatus(
                kind=s.kind, address=s.endpoint if s.kind == "opcua" else f"mqtt://{s.host}:{s.port}"
            )
            for s in config.sources
        }

    def start(self, session: Session) -> None:
        """Register the equipment and resume each energy counter from its last stored reading."""
        self._ids = samples.sync_equipment(session, self.config)
        last = samples.last_readings(session, list(self._ids.values()), "energy_kwh")
        self._counters = {eq: value for eq, (_, value) in last.items()}

    @property
    def pending(self) -> int:
        """Return how many samples wait to be written."""
        return len(self._rows)

    def add(self, source: str, reading: Reading) -> None:
        """Buffer ``reading`` that came from ``source``."""
        # The hot path: a tuple appended and two fields set; the status is worked out at the flush.
        status = self.sources[source]
        self._rows.append(
            (
                self._ids[reading.equipment],
                _SIGNAL[reading.signal],
                reading.ts_ms,
                reading.value,
                reading.text,
            )
        )
        status.samples += 1
        status.latest[(reading.equipment, reading.signal)] = reading
        if self.listeners:
            self._readings.append(reading)

    def error(self, source: str, kind: str, detail: str, *, equipment: str | None = None) -> None:
        """Note a malformed payload or a lost connection of ``source``; it is logged at the next flush."""
        status = self.sources[source]
        status.errors += 1
        status.last_error = detail
        status.events.append((kind, equipment, detail))

    def connected(self, source: str, up: bool, detail: str = "") -> None:
        """Note that ``source`` connected (``up``) or was lost."""
        status = self.sources[source]
        if status.connected != up:
            status.events.append(("connected" if up else "disconnected", None, detail))
        status.connected = up
        if not up and detail:
            status.last_error = detail

    def flush(self, session: Session) -> int:
        """Write the buffered samples, counter events and source status; return the samples written."""
        rows, self._rows = self._rows, []
        self._written += self._readings
        self._readings = []
        self._follow_counters(session, rows)
        written = samples.store(session, rows)
        for name, status in self.sources.items():
            for kind, equipment, detail in status.events:
                samples.log_event(session, source=name, kind=kind, detail=detail, equipment=equipment)
            status.events.clear()
            status.settle()
            self._write_status(session, name, status)
        session.flush()
        return written

    def notify(self) -> None:
        """Hand the readings written since the last call to the listeners (after the commit)."""
        written, self._written = self._written, []
        if written:
            for listener in self.listeners:
                listener(written)

    def _follow_counters(self, session: Session, rows: list[samples.Row]) -> None:
        position = _SIGNAL["energy_kwh"]
        found = [(r[0], r[2], r[3]) for r in rows if r[1] == position and r[3] is not None]
        if not found:
            return
        keys = {v: k for k, v in self._ids.items()}
        table = np.array(found, dtype=np.float64)
        table = table[np.lexsort((table[:, 1], table[:, 0]))]
        bounds = np.flatnonzero(np.diff(table[:, 0])) + 1
        for block in np.split(table, bounds):
            eq = int(block[0, 0])
            stamps, values = block[:, 1].astype(np.int64), block[:, 2]
            item = self._equipment[keys[eq]]
            deltas = energy.counter_deltas(
                values,
                previous_kwh=self._counters.get(eq),
                reset_tolerance_kwh=item.reset_tolerance_kwh,
                max_kwh=item.energy_max_kwh,
            )
            for i in np.flatnonzero(deltas.reset | deltas.rollover):
                kind = "rollover" if deltas.rollover[i] else "reset"
                before = self._counters.get(eq) if i == 0 else values[i - 1]
                samples.log_event(
                    session,
                    source=item.source,
                    kind=kind,
                    equipment=item.id,
                    detail=f"energy counter {before} -> {values[i]} kWh at {stamps[i]} ms",
                )
            self._counters[eq] = float(values[-1])

    def _write_status(self, session: Session, name: str, status: SourceStatus) -> None:
        row = session.scalar(select(ConnectorSource).where(ConnectorSource.name == name))
        if row is None:
            row = ConnectorSource(name=name, samples=0, errors=0)
            session.add(row)
        row.kind = status.kind
        row.address = status.address
        row.process = self.process
        row.connected = status.connected
        row.samples = status.samples
        row.errors = status.errors
        row.last_error = status.last_error
        row.last_message_at = status.last_message_at
        row.lag_s = status.lag_s
        row.last_values = {k: dict(v) for k, v in status.last_values.items()}
        row.updated_at = datetime.now(UTC)
