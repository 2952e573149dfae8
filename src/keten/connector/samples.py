"""Samples on disk: equipment rows from the connector file, batches of readings written fast (COPY
on PostgreSQL, one executemany on SQLite), and a signal's series read back as arrays."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from keten.catalog import service as catalog
from keten.connector.config import SIGNALS, ConnectorConfig
from keten.connector.models import ConnectorEvent, Equipment, Sample
from keten.problems import Problem

__all__ = [
    "Series",
    "equipment_ids",
    "find_equipment",
    "get_equipment",
    "last_before",
    "last_readings",
    "log_event",
    "series",
    "store",
    "sync_equipment",
]

Row = tuple[int, int, int, float | None, str | None]
"""(equipment id, signal position, ts_ms, value, text): one sample as it is written."""

_COLUMNS = "equipment_id, signal, ts_ms, value, text"


def sync_equipment(session: Session, config: ConnectorConfig) -> dict[str, int]:
    """Create or update the equipment of ``config``; return their ids by key."""
    existing = {
        e.key: e
        for e in session.scalars(select(Equipment).where(Equipment.key.in_([e.id for e in config.equipment])))
    }
    now = datetime.now(UTC)
    for item in config.equipment:
        row = existing.get(item.id) or Equipment(key=item.id)
        row.name = item.name
        row.site_code = item.site or config.site
        row.source = item.source
        row.energy_max_kwh = item.energy_max_kwh
        row.reset_tolerance_kwh = item.reset_tolerance_kwh
        row.ideal_cycle_s = item.ideal_cycle_s
        row.signals = {k: s.model_dump(exclude_none=True) for k, s in item.signals.items()}
        row.nameplate = item.nameplate.model_dump(exclude_none=True) if item.nameplate else None
        row.updated_at = now
        if row.id is None:
            session.add(row)
        existing[item.id] = row
    session.flush()
    return {key: row.id for key, row in existing.items()}


def equipment_ids(session: Session) -> dict[str, int]:
    """Return the id of every known equipment by key."""
    return {key: id_ for key, id_ in session.execute(select(Equipment.key, Equipment.id))}


def find_equipment(session: Session, *, key: str) -> Equipment | None:
    """Return the equipment ``key``, or None."""
    return session.scalar(select(Equipment).where(Equipment.key == key))


def get_equipment(session: Session, *, key: str) -> Equipment:
    """Return the equipment ``key``; 404 when there is none."""
    row = session.scalar(select(Equipment).where(Equipment.key == key))
    if row is None:
        raise Problem(404, "Not Found", f"no equipment {key!r}")
    return row


_NULL = "\\N"


def _escape(text: str) -> str:
    """Return ``text`` as a field of PostgreSQL's COPY text format."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def store(session: Session, rows: Sequence[Row]) -> int:
    """Write a batch of samples in the session's transaction; return how many."""
    if not rows:
        return 0
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        driver = connection.connection.driver_connection
        assert driver is not None
        # One block of COPY text is several times faster than psycopg formatting row by row.
        block = "".join(
            f"{e}\t{s}\t{t}\t{_NULL if v is None else repr(v)}\t{_NULL if x is None else _escape(x)}\n"
            for e, s, t, v, x in rows
        )
        with (
            driver.cursor() as cursor,
            cursor.copy(f"COPY connector_samples ({_COLUMNS}) FROM STDIN") as copy,
        ):
            copy.write(block)
    else:
        connection.exec_driver_sql(
            f"INSERT INTO connector_samples ({_COLUMNS}) VALUES (?, ?, ?, ?, ?)", list(rows)
        )
    return len(rows)


def last_readings(session: Session, equipment: Sequence[int], signal: str) -> dict[int, tuple[int, float]]:
    """Return the last stored (ts_ms, value) of ``signal`` for each of ``equipment`` that has one."""
    position = SIGNALS.index(signal)
    latest = (
        select(Sample.equipment_id, func.max(Sample.ts_ms).label("ts_ms"))
        .where(Sample.signal == position, Sample.equipment_id.in_(equipment), Sample.value.is_not(None))
        .group_by(Sample.equipment_id)
        .subquery()
    )
    rows = session.execute(
        select(Sample.equipment_id, Sample.ts_ms, Sample.value, Sample.id)
        .join(latest, (Sample.equipment_id == latest.c.equipment_id) & (Sample.ts_ms == latest.c.ts_ms))
        .where(Sample.signal == position)
        .order_by(Sample.id)
    ).all()
    return {r.equipment_id: (int(r.ts_ms), float(r.value)) for r in rows if r.value is not None}


@dataclass(frozen=True)
class Series:
    """One signal of one equipment in time order: ``ts_ms`` and ``value`` (numbers) or ``text``."""

    ts_ms: NDArray[np.int64]
    value: NDArray[np.float64]
    text: list[str | None]


def series(
    session: Session,
    *,
    equipment_id: int,
    signal: str,
    start_ms: int | None = None,
    end_ms: int | None = None,
) -> Series:
    """Return the samples of ``signal`` of one equipment from ``start_ms`` (inclusive) to ``end_ms``."""
    query = select(Sample.ts_ms, Sample.value, Sample.text).where(
        Sample.equipment_id == equipment_id, Sample.signal == SIGNALS.index(signal)
    )
    if start_ms is not None:
        query = query.where(Sample.ts_ms >= start_ms)
    if end_ms is not None:
        query = query.where(Sample.ts_ms < end_ms)
    # Plain DB-API rows: a year of one-minute readings is half a million rows per signal.
    rows = catalog.raw_rows(session, query.order_by(Sample.ts_ms, Sample.id))
    return Series(
        ts_ms=np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)),
        value=np.fromiter(
            (np.nan if r[1] is None else r[1] for r in rows), dtype=np.float64, count=len(rows)
        ),
        text=[r[2] for r in rows],
    )


def last_before(session: Session, *, equipment_id: int, signal: str, before_ms: int) -> int | None:
    """Return the time of the last sample of ``signal`` before ``before_ms``, if any."""
    return session.scalar(
        select(func.max(Sample.ts_ms)).where(
            Sample.equipment_id == equipment_id,
            Sample.signal == SIGNALS.index(signal),
            Sample.ts_ms < before_ms,
        )
    )


def log_event(session: Session, *, source: str, kind: str, detail: str, equipment: str | None = None) -> None:
    """Record something the connector saw (a reset, a malformed payload, a lost connection)."""
    session.add(ConnectorEvent(source=source, equipment_key=equipment, kind=kind, detail=detail[:2000]))
