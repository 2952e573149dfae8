"""Tables of passports: passports, their immutable signed revisions, the company's signing keys,
the hand-written content per product, who may read which tier, and the nameplates suppliers send.

A passport outlives its part in the catalog (regulation keeps passports readable for years after a
product is discontinued), so it keeps the part number and only loses the link when the part goes.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column

from keten.db import Base
from keten.timestamps import utc_now

__all__ = [
    "GRANTABLE_TIERS",
    "LEVELS",
    "TIERS",
    "PassportGrant",
    "PassportInput",
    "PassportKey",
    "PassportMember",
    "PassportRecord",
    "PassportRevision",
    "SupplierNameplate",
]

LEVELS = ("model", "batch", "item")
"""A passport describes a product model, a production batch, or one serialized item."""
TIERS = ("public", "legitimate_interest", "authority", "owner")
"""Access tiers in increasing reach; a caller sees every field of its tier and of the tiers below."""
GRANTABLE_TIERS = ("legitimate_interest", "authority")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class PassportKey(Base):
    """An Ed25519 key pair of the company; the newest active one signs new revisions."""

    __tablename__ = "passport_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_id: Mapped[str] = mapped_column(String(64), unique=True)
    """The first 16 bytes of the SHA-256 of the raw public key, in hex."""
    public_key: Mapped[str] = mapped_column(String(64))
    """Raw 32-byte public key, base64url without padding (the JWK ``x``)."""
    private_key: Mapped[str] = mapped_column(String(64))
    """Raw 32-byte private key, base64url without padding."""
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class PassportRecord(Base):
    """A passport: what it identifies and which revision is current."""

    __tablename__ = "passports"
    __table_args__ = (
        CheckConstraint(_in("level", LEVELS), name="level"),
        CheckConstraint("level <> 'item' OR serial IS NOT NULL", name="item_has_serial"),
        CheckConstraint("level <> 'batch' OR batch IS NOT NULL", name="batch_has_batch"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    """A UUID: the passport's unique identifier (urn:uuid:...)."""
    level: Mapped[str] = mapped_column(String(8))
    part_id: Mapped[int | None] = mapped_column(ForeignKey("parts.id", ondelete="SET NULL"), index=True)
    part_number: Mapped[str] = mapped_column(String(64), index=True)
    gtin: Mapped[str] = mapped_column(String(14), index=True)
    serial: Mapped[str | None] = mapped_column(String(20))
    batch: Mapped[str | None] = mapped_column(String(20))
    link: Mapped[str] = mapped_column(String(120), unique=True)
    """Path of the GS1 Digital Link URI: /01/{gtin}, /01/{gtin}/10/{batch} or /01/{gtin}/21/{serial}."""
    # NO ACTION rather than RESTRICT: checked at the end of a statement, so a statement that removes
    # a model passport together with its items (a test emptying the table) is allowed.
    model_id: Mapped[int | None] = mapped_column(ForeignKey("passports.id"), index=True)
    """The model passport whose content a batch or item passport inherits."""
    current_revision: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class PassportRevision(Base):
    """One immutable revision: the full content, the signed header that chains it to the one before."""

    __tablename__ = "passport_revisions"
    __table_args__ = (UniqueConstraint("passport_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    passport_id: Mapped[int] = mapped_column(ForeignKey("passports.id", ondelete="RESTRICT"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    """Canonical JSON of the full content (every tier)."""
    salts: Mapped[dict[str, Any]] = mapped_column(JSON)
    """Random salt per tier, hashed with that tier's view so a hash reveals nothing of a view."""
    header: Mapped[str] = mapped_column(Text)
    """Canonical JSON of what is signed: passport, number, previous hash, hash of each tier's view."""
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    """SHA-256 of the header: the link the next revision points back to."""
    previous_sha256: Mapped[str | None] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(100))
    """Ed25519 signature of the header bytes, base64url without padding."""
    key_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    created_by: Mapped[str | None] = mapped_column(String(100))


class PassportInput(Base):
    """What no other table holds and people write by hand: repair, disassembly, documents, substances."""

    __tablename__ = "passport_inputs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id", ondelete="CASCADE"), unique=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    """A :class:`keten.passports.schemas.PassportInputData` as JSON."""
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now, onupdate=utc_now)


class PassportGrant(Base):
    """An organization's access to a tier above public: a repairer, recycler, customer or authority."""

    __tablename__ = "passport_grants"
    __table_args__ = (CheckConstraint(_in("tier", GRANTABLE_TIERS), name="tier"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), unique=True
    )
    tier: Mapped[str] = mapped_column(String(24))
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    granted_by: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(String(500))


class PassportMember(Base):
    """A user who signs in on behalf of a partner organization and reads passports at its tier."""

    __tablename__ = "passport_members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )


class SupplierNameplate(Base):
    """A supplier's Digital Nameplate (IDTA 02006) of a part, as its AASX package gave it.

    One per part and manufacturer: importing a newer package of the same manufacturer for the
    same part replaces the fields, so the row always says what the latest package said. Field
    names follow the template's idShorts; text is kept exactly as given.
    """

    __tablename__ = "supplier_nameplates"
    __table_args__ = (UniqueConstraint("part_id", "manufacturer_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    """The supplier in keten's partners, when one was named or is called the manufacturer's name."""
    manufacturer_key: Mapped[str] = mapped_column(String(255))
    """The manufacturer name folded to lower case with single spaces: what makes a re-import the same."""
    manufacturer_name: Mapped[str] = mapped_column(String(255))
    manufacturer_product_designation: Mapped[str | None] = mapped_column(String(500))
    manufacturer_product_family: Mapped[str | None] = mapped_column(String(255))
    manufacturer_product_type: Mapped[str | None] = mapped_column(String(255))
    order_code_of_manufacturer: Mapped[str | None] = mapped_column(String(255))
    product_article_number_of_manufacturer: Mapped[str | None] = mapped_column(String(255))
    serial_number: Mapped[str | None] = mapped_column(String(255))
    year_of_construction: Mapped[str | None] = mapped_column(String(20))
    date_of_manufacture: Mapped[date | None] = mapped_column(Date)
    hardware_version: Mapped[str | None] = mapped_column(String(255))
    firmware_version: Mapped[str | None] = mapped_column(String(255))
    country_of_origin: Mapped[str | None] = mapped_column(String(255))
    uri_of_the_product: Mapped[str | None] = mapped_column(String(1000))
    company: Mapped[str | None] = mapped_column(String(255))
    """Of the nameplate's contact address (ContactInformation in 2.0, AddressInformation in 3.0)."""
    street: Mapped[str | None] = mapped_column(String(255))
    zipcode: Mapped[str | None] = mapped_column(String(255))
    city_town: Mapped[str | None] = mapped_column(String(255))
    state_county: Mapped[str | None] = mapped_column(String(255))
    national_code: Mapped[str | None] = mapped_column(String(255))
    template: Mapped[str] = mapped_column(String(100))
    """The nameplate submodel's semantic id: which template version the fields were read after."""
    global_asset_id: Mapped[str | None] = mapped_column(String(1000))
    source_file: Mapped[str] = mapped_column(String(255))
    source_sha256: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the package, in hex: which file exactly the fields came from."""
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    imported_by: Mapped[str | None] = mapped_column(String(100))


@event.listens_for(PassportRevision, "before_update")
def _refuse_update(_mapper: Any, _connection: Any, target: PassportRevision) -> None:
    raise RuntimeError(f"passport revision {target.id} is immutable; issue a new revision instead")


@event.listens_for(PassportRevision, "before_delete")
def _refuse_delete(_mapper: Any, _connection: Any, target: PassportRevision) -> None:
    raise RuntimeError(f"passport revision {target.id} is immutable and cannot be deleted")
