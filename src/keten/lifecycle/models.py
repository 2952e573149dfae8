"""Tables of the lifecycle: EPCIS events as captured, the identifiers each names (for matching a
machine's history and a partner's grants), and capture jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from keten.db import Base
from keten.timestamps import utc_now

__all__ = ["EPC_ROLES", "CaptureJob", "EventIdentifier", "LifecycleEvent"]

EPC_ROLES = ("epc", "parent", "child", "input", "output", "class")
"""Where an identifier stands in an event: epcList, parentID, childEPCs, inputEPCList,
outputEPCList, or the epcClass of a quantity element."""

_BIG_ID = BigInteger().with_variant(Integer(), "sqlite")


class CaptureJob(Base):
    """One EPCISDocument sent to /epcis/capture: who sent it, how many events, and its outcome."""

    __tablename__ = "lifecycle_capture_jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    running: Mapped[bool] = mapped_column(Boolean, default=False)
    success: Mapped[bool] = mapped_column(Boolean, default=True)
    error_behaviour: Mapped[str] = mapped_column(String(16), default="rollback")
    errors: Mapped[list[Any]] = mapped_column(JSON, default=list)
    event_count: Mapped[int] = mapped_column(Integer, default=0)
    stored_count: Mapped[int] = mapped_column(Integer, default=0)
    """Events new to this node; the rest were stored already (the same event hash)."""
    partner_code: Mapped[str | None] = mapped_column(String(64))
    username: Mapped[str | None] = mapped_column(String(100))


class LifecycleEvent(Base):
    """One EPCIS 2.0 event, stored once: its hash id is unique; the columns queries filter on are
    copied out of the JSON-LD document, which is kept as received."""

    __tablename__ = "lifecycle_events"
    __table_args__ = (
        Index("ix_lifecycle_events_biz_step_time", "biz_step", "event_time"),
        Index("ix_lifecycle_events_time", "event_time"),
    )

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(300), unique=True)
    """The eventID as sent, or the hash id when the event came without one."""
    hash_id: Mapped[str] = mapped_column(String(100), unique=True)
    type: Mapped[str] = mapped_column(String(32))
    action: Mapped[str | None] = mapped_column(String(8))
    biz_step: Mapped[str | None] = mapped_column(String(300))
    """A CBV step as its bare word, any other step as its URI."""
    disposition: Mapped[str | None] = mapped_column(String(300))
    read_point: Mapped[str | None] = mapped_column(String(300))
    biz_location: Mapped[str | None] = mapped_column(String(300))
    event_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    record_time: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now, index=True)
    capture_id: Mapped[str | None] = mapped_column(
        ForeignKey("lifecycle_capture_jobs.id", ondelete="SET NULL"), index=True
    )
    document: Mapped[str] = mapped_column(Text)
    """The event as JSON text, with its eventID and recordTime."""


class EventIdentifier(Base):
    """An identifier an event names, in its canonical GS1 Digital Link form; ``gtin`` and
    ``serial`` when it names a serialized item (a machine or a module)."""

    __tablename__ = "lifecycle_event_ids"
    __table_args__ = (
        Index("ix_lifecycle_event_ids_uri_event", "uri", "event_pk"),
        Index("ix_lifecycle_event_ids_gtin", "gtin"),
    )

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True)
    event_pk: Mapped[int] = mapped_column(
        _BIG_ID, ForeignKey("lifecycle_events.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(8))
    uri: Mapped[str] = mapped_column(String(300))
    gtin: Mapped[str | None] = mapped_column(String(14))
    serial: Mapped[str | None] = mapped_column(String(40))
