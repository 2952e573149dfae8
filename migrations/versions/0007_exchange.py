"""exchange: PACT partners and credentials, grants, access log, published footprints, signing keys, requests

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchange_signing_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("private_pem", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_signing_keys")),
        sa.UniqueConstraint("kid", name=op.f("uq_exchange_signing_keys_kid")),
    )
    op.create_table(
        "exchange_partners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=200), nullable=False),
        sa.Column("secret_set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("base_url", sa.String(length=500), nullable=True),
        sa.Column("remote_client_id", sa.String(length=200), nullable=True),
        sa.Column("remote_client_secret", sa.String(length=500), nullable=True),
        sa.Column("pact_version", sa.String(length=1), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_exchange_partners_organization_id_organizations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_partners")),
        sa.UniqueConstraint("client_id", name=op.f("uq_exchange_partners_client_id")),
        sa.UniqueConstraint("code", name=op.f("uq_exchange_partners_code")),
    )
    op.create_table(
        "exchange_access_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=300), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["exchange_partners.id"],
            name=op.f("fk_exchange_access_log_partner_id_exchange_partners"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_access_log")),
    )
    with op.batch_alter_table("exchange_access_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exchange_access_log_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_exchange_access_log_partner_id"), ["partner_id"], unique=False)

    op.create_table(
        "exchange_footprints",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=False),
        sa.Column("product_ids", sa.JSON(), nullable=False),
        sa.Column("company_ids", sa.JSON(), nullable=False),
        sa.Column("classifications", sa.JSON(), nullable=False),
        sa.Column("geography", sa.String(length=64), nullable=True),
        sa.Column("document_v2", sa.Text(), nullable=False),
        sa.Column("document_v3", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["part_id"], ["parts.id"], name=op.f("fk_exchange_footprints_part_id_parts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["footprint_results.id"],
            name=op.f("fk_exchange_footprints_run_id_footprint_results"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_footprints")),
    )
    with op.batch_alter_table("exchange_footprints", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exchange_footprints_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_exchange_footprints_part_id"), ["part_id"], unique=False)

    op.create_table(
        "exchange_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(length=64), nullable=True),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.CheckConstraint(
            "(part_id IS NULL) <> (category IS NULL)", name=op.f("ck_exchange_grants_part_or_category")
        ),
        sa.ForeignKeyConstraint(
            ["part_id"], ["parts.id"], name=op.f("fk_exchange_grants_part_id_parts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["exchange_partners.id"],
            name=op.f("fk_exchange_grants_partner_id_exchange_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_grants")),
    )
    with op.batch_alter_table("exchange_grants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exchange_grants_part_id"), ["part_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_exchange_grants_partner_id"), ["partner_id"], unique=False)

    op.create_table(
        "exchange_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("pact_version", sa.String(length=1), nullable=False),
        sa.Column("product_ids", sa.JSON(), nullable=False),
        sa.Column("comment", sa.String(length=1000), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("footprint_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "direction IN ('incoming', 'outgoing')", name=op.f("ck_exchange_requests_direction")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'fulfilled', 'rejected')", name=op.f("ck_exchange_requests_status")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["exchange_partners.id"],
            name=op.f("fk_exchange_requests_partner_id_exchange_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_requests")),
    )
    with op.batch_alter_table("exchange_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exchange_requests_direction"), ["direction"], unique=False)
        batch_op.create_index(batch_op.f("ix_exchange_requests_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_exchange_requests_partner_id"), ["partner_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("exchange_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchange_requests_partner_id"))
        batch_op.drop_index(batch_op.f("ix_exchange_requests_event_id"))
        batch_op.drop_index(batch_op.f("ix_exchange_requests_direction"))

    op.drop_table("exchange_requests")
    with op.batch_alter_table("exchange_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchange_grants_partner_id"))
        batch_op.drop_index(batch_op.f("ix_exchange_grants_part_id"))

    op.drop_table("exchange_grants")
    with op.batch_alter_table("exchange_footprints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchange_footprints_part_id"))
        batch_op.drop_index(batch_op.f("ix_exchange_footprints_created_at"))

    op.drop_table("exchange_footprints")
    with op.batch_alter_table("exchange_access_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchange_access_log_partner_id"))
        batch_op.drop_index(batch_op.f("ix_exchange_access_log_at"))

    op.drop_table("exchange_access_log")
    op.drop_table("exchange_partners")
    op.drop_table("exchange_signing_keys")
