"""One form for every moment the API sends: timezone-aware UTC, written as RFC 3339 with ``Z``.

keten stores UTC. SQLite keeps no offset, so a stored moment read back there is naive (unless read
through keten.db's engine, which makes it aware); a schema field of this type makes either one UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator

__all__ = ["UtcDateTime", "as_utc", "utc_now"]


def utc_now() -> datetime:
    """Return the current moment, aware, in UTC: the one clock every module reads."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Return ``value`` in UTC; a naive value is taken to be UTC already, as keten stores it."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UtcDateTime = Annotated[datetime, AfterValidator(as_utc)]
"""A moment as the API sends it: aware, in UTC (serialized as ``2026-01-05T09:30:00Z``)."""
