"""Record of each import, shown on the overview and kept for audit; column mappings saved by name."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from keten.db import Base
from keten.timestamps import utc_now

__all__ = ["ColumnMapping", "ImportRun"]


class ImportRun(Base):
    """One committed import of one file of one kind."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(300))
    rows: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    deleted: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    username: Mapped[str | None] = mapped_column(String(100))


class ColumnMapping(Base):
    """A mapping of a file's own headers onto the columns of one kind, saved by name for next time.

    ``columns`` maps each header as the file writes it to a keten column, or to "" for a column
    that is not imported.
    """

    __tablename__ = "column_mappings"
    __table_args__ = (UniqueConstraint("kind", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    columns: Mapped[dict[str, str]] = mapped_column(JSON)
    saved_by: Mapped[str | None] = mapped_column(String(100))
    saved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
