"""passports: signing keys, passports, immutable signed revisions, hand-written input, tier grants

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "passport_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("private_key", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_passport_keys")),
        sa.UniqueConstraint("key_id", name=op.f("uq_passport_keys_key_id")),
    )
    op.create_table(
        "passport_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("tier", sa.String(length=24), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("granted_by", sa.String(length=100), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.CheckConstraint(
            "tier IN ('legitimate_interest', 'authority')", name=op.f("ck_passport_grants_tier")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_passport_grants_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_passport_grants")),
        sa.UniqueConstraint("organization_id", name=op.f("uq_passport_grants_organization_id")),
    )
    op.create_table(
        "passport_inputs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["part_id"], ["parts.id"], name=op.f("fk_passport_inputs_part_id_parts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_passport_inputs")),
        sa.UniqueConstraint("part_id", name=op.f("uq_passport_inputs_part_id")),
    )
    op.create_table(
        "passport_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_passport_members_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_passport_members_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_passport_members")),
        sa.UniqueConstraint("user_id", name=op.f("uq_passport_members_user_id")),
    )
    with op.batch_alter_table("passport_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_passport_members_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "passports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=True),
        sa.Column("part_number", sa.String(length=64), nullable=False),
        sa.Column("gtin", sa.String(length=14), nullable=False),
        sa.Column("serial", sa.String(length=20), nullable=True),
        sa.Column("batch", sa.String(length=20), nullable=True),
        sa.Column("link", sa.String(length=120), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=True),
        sa.Column("current_revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "level <> 'batch' OR batch IS NOT NULL", name=op.f("ck_passports_batch_has_batch")
        ),
        sa.CheckConstraint(
            "level <> 'item' OR serial IS NOT NULL", name=op.f("ck_passports_item_has_serial")
        ),
        sa.CheckConstraint("level IN ('model', 'batch', 'item')", name=op.f("ck_passports_level")),
        sa.ForeignKeyConstraint(["model_id"], ["passports.id"], name=op.f("fk_passports_model_id_passports")),
        sa.ForeignKeyConstraint(
            ["part_id"], ["parts.id"], name=op.f("fk_passports_part_id_parts"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_passports")),
        sa.UniqueConstraint("link", name=op.f("uq_passports_link")),
        sa.UniqueConstraint("uid", name=op.f("uq_passports_uid")),
    )
    with op.batch_alter_table("passports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_passports_gtin"), ["gtin"], unique=False)
        batch_op.create_index(batch_op.f("ix_passports_model_id"), ["model_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_passports_part_id"), ["part_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_passports_part_number"), ["part_number"], unique=False)

    op.create_table(
        "passport_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("passport_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("salts", sa.JSON(), nullable=False),
        sa.Column("header", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("previous_sha256", sa.String(length=64), nullable=True),
        sa.Column("signature", sa.String(length=100), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["passport_id"],
            ["passports.id"],
            name=op.f("fk_passport_revisions_passport_id_passports"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_passport_revisions")),
        sa.UniqueConstraint("passport_id", "number", name=op.f("uq_passport_revisions_passport_id_number")),
        sa.UniqueConstraint("sha256", name=op.f("uq_passport_revisions_sha256")),
    )
    with op.batch_alter_table("passport_revisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_passport_revisions_passport_id"), ["passport_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("passport_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_passport_revisions_passport_id"))

    op.drop_table("passport_revisions")
    with op.batch_alter_table("passports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_passports_part_number"))
        batch_op.drop_index(batch_op.f("ix_passports_part_id"))
        batch_op.drop_index(batch_op.f("ix_passports_model_id"))
        batch_op.drop_index(batch_op.f("ix_passports_gtin"))

    op.drop_table("passports")
    with op.batch_alter_table("passport_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_passport_members_organization_id"))

    op.drop_table("passport_members")
    op.drop_table("passport_inputs")
    op.drop_table("passport_grants")
    op.drop_table("passport_keys")
