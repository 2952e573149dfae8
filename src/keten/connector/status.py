"""What the connectors report: each source's status (a report gone stale means its process is not
running), the events they logged, the equipment they know."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from keten.connector.models import ConnectorEvent, ConnectorSource, Equipment

__all__ = ["STALE_S", "events", "list_equipment", "sources"]

STALE_S = 30.0
"""A source whose connector has not reported for this long is shown as not connected."""


def _aware(moment: datetime) -> datetime:
    # SQLite gives back naive datetimes; keten stores UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def sources(session: Session) -> list[dict[str, Any]]:
    """Return every source with its last report, the report's age and whether it is connected now."""
    now = datetime.now(UTC)
    out = []
    for row in session.scalars(select(ConnectorSource).order_by(ConnectorSource.name)):
        age = (now - _aware(row.updated_at)).total_seconds()
        out.append(
            {
                "name": row.name,
                "kind": row.kind,
                "address": row.address,
                "process": row.process,
                "connected": bool(row.connected) and age <= STALE_S,
                "last_message_at": _aware(row.last_message_at) if row.last_message_at else None,
                "lag_s": row.lag_s,
                "report_age_s": round(age, 1),
                "samples": row.samples,
                "errors": row.errors,
                "last_error": row.last_error,
                "last_values": row.last_values or {},
            }
        )
    return out


def events(session: Session, *, limit: int = 50, source: str | None = None) -> list[ConnectorEvent]:
    """Return the newest events, newest first."""
    query = select(ConnectorEvent).order_by(ConnectorEvent.id.desc()).limit(limit)
    if source is not None:
        query = query.where(ConnectorEvent.source == source)
    return list(session.scalars(query))


def list_equipment(session: Session) -> list[Equipment]:
    """Return every known equipment by key."""
    return list(session.scalars(select(Equipment).order_by(Equipment.key)))
