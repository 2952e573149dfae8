"""Tables of partners: organizations, their sites, and sourcing of parts from sites."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from keten.db import Base
from keten.timestamps import utc_now

__all__ = [
    "ORGANIZATION_ROLES",
    "USER_ROLES",
    "ApiToken",
    "AuditEntry",
    "Organization",
    "SignInFailure",
    "Site",
    "Sourcing",
    "User",
    "WebSession",
]

ORGANIZATION_ROLES = ("own", "supplier", "customer", "partner")


class Organization(Base):
    """A company: the node's own company, a supplier, a customer or another partner."""

    __tablename__ = "organizations"
    __table_args__ = (
        CheckConstraint(f"role IN ({', '.join(repr(r) for r in ORGANIZATION_ROLES)})", name="role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default="supplier", index=True)
    country: Mapped[str | None] = mapped_column(String(2))
    kvk: Mapped[str | None] = mapped_column(String(8))
    """Dutch Chamber of Commerce (KvK) number, eight digits."""
    lei: Mapped[str | None] = mapped_column(String(20))
    """ISO 17442 Legal Entity Identifier."""
    gln: Mapped[str | None] = mapped_column(String(13))
    """GS1 Global Location Number of the legal entity."""
    website: Mapped[str | None] = mapped_column(String(200))


class Site(Base):
    """A place where an organization makes or ships things."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2), index=True)
    city: Mapped[str | None] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(300))
    gln: Mapped[str | None] = mapped_column(String(13))


class Sourcing(Base):
    """A supplier site supplies a part: its share of volume, lead time, price, qualification."""

    __tablename__ = "sourcing"
    __table_args__ = (
        UniqueConstraint("part_id", "site_id"),
        CheckConstraint("share >= 0 AND share <= 1", name="share_range"),
        CheckConstraint("lead_time_days >= 0", name="lead_time_nonnegative"),
        CheckConstraint("price_eur IS NULL OR price_eur >= 0", name="price_nonnegative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    share: Mapped[float] = mapped_column(Float, default=1.0)
    lead_time_days: Mapped[int] = mapped_column(Integer, default=0)
    price_eur: Mapped[float | None] = mapped_column(Float)
    """Price per unit of measure of the part."""
    qualified_alternate: Mapped[bool] = mapped_column(Boolean, default=False)
    """True for a qualified second source that can take over volume when another source fails."""


# --- users, credentials and the audit log ------------------------------------------------------

USER_ROLES = ("viewer", "editor", "admin")
"""Roles in increasing power: a viewer reads, an editor also imports and changes data, an admin also
manages users."""


class User(Base):
    """A person (or a script's owner) who signs in to this node."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(f"role IN ({', '.join(repr(r) for r in USER_ROLES)})", name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default="viewer")
    password_hash: Mapped[str | None] = mapped_column(String(200))
    """Argon2id hash; None for a user who may only use API tokens."""
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ApiToken(Base):
    """A personal API token: only its SHA-256 is kept, the secret is shown once at creation."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    """The first characters of the secret, so its owner can tell tokens apart."""
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebSession(Base):
    """A signed-in browser: the cookie holds a random secret, the table its SHA-256 and CSRF token."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ip: Mapped[str | None] = mapped_column(String(64))


class SignInFailure(Base):
    """Failed sign-ins of one username from one address; kept in the database so every worker sees them."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (UniqueConstraint("username", "ip"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100))
    ip: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """Who changed what and when: one row per write request, sign-in and account change."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now, index=True)
    username: Mapped[str | None] = mapped_column(String(100), index=True)
    action: Mapped[str] = mapped_column(String(100))
    target: Mapped[str] = mapped_column(String(300), default="")
    detail: Mapped[str] = mapped_column(String(2000), default="")
    ip: Mapped[str | None] = mapped_column(String(64))
