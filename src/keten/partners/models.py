"""Tables of partners: organizations, their sites, and sourcing of parts from sites."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from keten.db import Base

__all__ = ["ORGANIZATION_ROLES", "Organization", "Site", "Sourcing"]

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
