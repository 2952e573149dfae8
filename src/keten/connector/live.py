"""What an equipment's twin shows live: the last value of each signal as its connector last reported
it, and the results apps wrote back to the twin."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from keten.connector.config import EQUIPMENT_KEY, SIGNALS, STATES
from keten.connector.models import AppResult, ConnectorSource, Equipment, Sample
from keten.problems import Problem

__all__ = [
    "LiveSignal",
    "LiveValue",
    "app_results",
    "live_value",
    "live_values",
    "recent",
    "write_app_result",
]


@dataclass(frozen=True)
class LiveValue:
    """The last value of one signal: a number (kW, kWh, a count), a state name or a text, and its time."""

    value: float | str | None
    ts_ms: int


def live_values(session: Session, *, equipment: Equipment) -> dict[str, LiveValue]:
    """Return the last reported value of each signal of ``equipment`` (a state by its name)."""
    reported = session.scalar(
        select(ConnectorSource.last_values).where(ConnectorSource.name == equipment.source)
    )
    return {
        signal: _live(signal, pair) for signal, pair in ((reported or {}).get(equipment.key) or {}).items()
    }


def _live(signal: str, pair: list[Any]) -> LiveValue:
    value, ts_ms = pair
    if signal == "state" and isinstance(value, int | float) and 0 <= int(value) < len(STATES):
        value = STATES[int(value)]
    return LiveValue(value=value, ts_ms=int(ts_ms))


@dataclass(frozen=True)
class LiveSignal:
    """One signal of one equipment: whether its connector file names it, and its last value if any."""

    configured: bool
    last: LiveValue | None


def live_value(session: Session, *, key: str, signal: str) -> LiveSignal | None:
    """Return the last reported value of ``signal`` of equipment ``key`` (None when there is no such
    equipment), in one query by the equipment's key that reads only that value out of its source's
    last values (a key and a signal name are plain words, so a JSON path names them as they are)."""
    if re.fullmatch(EQUIPMENT_KEY, key) is None or signal not in SIGNALS:
        return None
    found = session.execute(
        select(Equipment.signals, ConnectorSource.last_values[(key, signal)])
        .outerjoin(ConnectorSource, ConnectorSource.name == Equipment.source)
        .where(Equipment.key == key)
    ).first()
    if found is None:
        return None
    signals, pair = found
    return LiveSignal(signal in signals, _live(signal, pair) if pair is not None else None)


def app_results(session: Session, *, equipment_id: int) -> list[AppResult]:
    """Return what apps wrote back to the twin of one equipment, by app and name."""
    return list(
        session.scalars(
            select(AppResult)
            .where(AppResult.equipment_id == equipment_id)
            .order_by(AppResult.app, AppResult.name)
        )
    )


def write_app_result(session: Session, *, key: str, app: str, name: str, value: str) -> AppResult:
    """Store ``value`` as the result ``name`` of ``app`` on equipment ``key``, replacing the last one."""
    equipment_id = session.scalar(select(Equipment.id).where(Equipment.key == key))
    if equipment_id is None:
        raise Problem(404, "Not Found", f"no equipment {key!r}")
    row = session.scalar(
        select(AppResult).where(
            AppResult.equipment_id == equipment_id, AppResult.app == app, AppResult.name == name
        )
    )
    if row is None:
        row = AppResult(equipment_id=equipment_id, app=app, name=name)
        session.add(row)
    row.value = value[:2000]
    row.at = datetime.now(UTC)
    session.flush()
    return row


def recent(session: Session, *, equipment_id: int, signal: str, limit: int) -> list[tuple[int, float]]:
    """Return the newest ``limit`` (ts_ms, value) samples of a numeric signal, oldest first."""
    rows = session.execute(
        select(Sample.ts_ms, Sample.value)
        .where(
            Sample.equipment_id == equipment_id,
            Sample.signal == SIGNALS.index(signal),
            Sample.value.is_not(None),
        )
        .order_by(Sample.ts_ms.desc(), Sample.id.desc())
        .limit(limit)
    ).all()
    return [(int(t), float(v)) for t, v in reversed(rows) if v is not None]
