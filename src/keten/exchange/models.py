"""Tables of the exchange: partners and their credentials, grants, the access log, published
footprints, token signing keys, footprint requests, the outbox of work for partners with its
attempts, and the ids of the events partners sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from keten.db import Base
from keten.timestamps import utc_now

__all__ = [
    "OUTBOX_ACTIVE",
    "OUTBOX_KINDS",
    "OUTBOX_STATUSES",
    "REQUEST_DIRECTIONS",
    "REQUEST_STATUSES",
    "AccessEntry",
    "ExchangePartner",
    "FootprintRequest",
    "Grant",
    "OutboxAttempt",
    "OutboxEntry",
    "PublishedFootprint",
    "ReceivedEvent",
    "SigningKey",
]

REQUEST_DIRECTIONS = ("incoming", "outgoing")
REQUEST_STATUSES = ("pending", "fulfilled", "rejected")
OUTBOX_KINDS = ("published", "created", "fulfilled", "rejected", "fetch")
"""What an outbox entry does: send the event of that kind, or fetch the footprints a supplier's
Published event named."""
OUTBOX_STATUSES = ("pending", "delivering", "delivered", "failed", "cancelled")
OUTBOX_ACTIVE = ("pending", "delivering")
"""Statuses of the entries a worker may still claim."""
ACTIVE_STATUSES_SQL = f"status IN ({', '.join(repr(s) for s in OUTBOX_ACTIVE)})"


class ExchangePartner(Base):
    """A company this node exchanges footprints with, in either direction.

    Incoming: the partner calls this node with ``client_id`` and a secret of which only the
    Argon2id hash is kept. Outgoing: this node calls the partner's PACT API at ``base_url`` with
    the credentials the partner gave us (kept as given, since they must be sent).
    """

    __tablename__ = "exchange_partners"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(200))
    secret_set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    base_url: Mapped[str | None] = mapped_column(String(500))
    remote_client_id: Mapped[str | None] = mapped_column(String(200))
    remote_client_secret: Mapped[str | None] = mapped_column(String(500))
    pact_version: Mapped[str] = mapped_column(String(1), default="2")
    """Major version of the PACT API to speak when calling the partner: "2" or "3"."""


class Grant(Base):
    """The owner lets a partner read the footprints of one part or of a product group, for a purpose,
    until an expiry (or a revocation)."""

    __tablename__ = "exchange_grants"
    __table_args__ = (CheckConstraint("(part_id IS NULL) <> (category IS NULL)", name="part_or_category"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("exchange_partners.id", ondelete="CASCADE"), index=True
    )
    part_id: Mapped[int | None] = mapped_column(ForeignKey("parts.id", ondelete="CASCADE"), index=True)
    category: Mapped[str | None] = mapped_column(String(64))
    """A product group: every part of this catalogue category."""
    purpose: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    created_by: Mapped[str | None] = mapped_column(String(100))


class AccessEntry(Base):
    """One call of a partner on the PACT API: who, what, when, and the answer's status."""

    __tablename__ = "exchange_access_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now, index=True)
    partner_id: Mapped[int | None] = mapped_column(
        ForeignKey("exchange_partners.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[int] = mapped_column(Integer)
    ip: Mapped[str | None] = mapped_column(String(64))


class PublishedFootprint(Base):
    """A footprint this node offers over PACT: the documents of both versions, built and validated
    once when published, so listing them is reading rows."""

    __tablename__ = "exchange_footprints"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("footprint_results.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default="Active")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now, index=True)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_to: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    product_ids: Mapped[list[Any]] = mapped_column(JSON)
    company_ids: Mapped[list[Any]] = mapped_column(JSON)
    classifications: Mapped[list[Any]] = mapped_column(JSON)
    geography: Mapped[str | None] = mapped_column(String(64))
    document_v2: Mapped[str] = mapped_column(Text)
    document_v3: Mapped[str] = mapped_column(Text)


class SigningKey(Base):
    """The RSA key that signs this node's access tokens; its public half is served as a JWKS."""

    __tablename__ = "exchange_signing_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    private_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class FootprintRequest(Base):
    """A request for a footprint: from a customer to us (incoming) or from us to a supplier (outgoing)."""

    __tablename__ = "exchange_requests"
    __table_args__ = (
        CheckConstraint(f"direction IN ({', '.join(repr(d) for d in REQUEST_DIRECTIONS)})", name="direction"),
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in REQUEST_STATUSES)})", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    direction: Mapped[str] = mapped_column(String(8), index=True)
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("exchange_partners.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[str] = mapped_column(String(200), index=True)
    pact_version: Mapped[str] = mapped_column(String(1), default="2")
    product_ids: Mapped[list[Any]] = mapped_column(JSON)
    comment: Mapped[str] = mapped_column(String(1000), default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    reason: Mapped[str] = mapped_column(String(1000), default="")
    footprint_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OutboxEntry(Base):
    """Work for a partner that must outlive the request that caused it: an event to send or a fetch
    of announced footprints. Written in the transaction of the change, delivered by a worker.

    ``event_id`` is the CloudEvents id (of the event sent, or of the Published event a fetch
    answers), the same on every attempt so that a receiver drops repeats. A worker claims an entry
    by setting ``status`` to delivering with a lease (``lease_until``, ``claimed_by``, and
    ``next_attempt_at`` moved to the lease's end); a lease that runs out (the worker died) makes the
    entry claimable again. ``queued_at`` starts the three
    days of back-off; a retry by the owner starts them again.
    """

    __tablename__ = "exchange_outbox"
    __table_args__ = (
        CheckConstraint(f"kind IN ({', '.join(repr(k) for k in OUTBOX_KINDS)})", name="kind"),
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in OUTBOX_STATUSES)})", name="status"),
        # What a claim reads, in its order: only entries still to deliver, so a claim reads as
        # many rows as it takes, however many were delivered before.
        Index(
            "ix_exchange_outbox_active_due",
            "next_attempt_at",
            "id",
            postgresql_where=text(ACTIVE_STATUSES_SQL),
            sqlite_where=text(ACTIVE_STATUSES_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(200), index=True)
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("exchange_partners.id", ondelete="CASCADE"), index=True
    )
    pact_version: Mapped[str] = mapped_column(String(1))
    """Major version of the PACT API the call uses (an answer: the version its request came in on)."""
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The CloudEvent to send, or ``{"pfIds": [...]}`` for a fetch."""
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    queued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OutboxAttempt(Base):
    """One try at delivering an outbox entry: when, the partner's status (None: no answer), why not."""

    __tablename__ = "exchange_outbox_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("exchange_outbox.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    status: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(String(1000), default="")
    worker: Mapped[str] = mapped_column(String(64), default="")


class ReceivedEvent(Base):
    """An event a partner sent this node, by its CloudEvents id: a repeat is acknowledged, not
    handled again."""

    __tablename__ = "exchange_received_events"
    __table_args__ = (UniqueConstraint("partner_id", "event_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("exchange_partners.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
