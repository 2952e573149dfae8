"""supplier nameplates: a supplier's Digital Nameplate of a part, read from its AASX package

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "supplier_nameplates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("manufacturer_key", sa.String(length=255), nullable=False),
        sa.Column("manufacturer_name", sa.String(length=255), nullable=False),
        sa.Column("manufacturer_product_designation", sa.String(length=500), nullable=True),
        sa.Column("manufacturer_product_family", sa.String(length=255), nullable=True),
        sa.Column("manufacturer_product_type", sa.String(length=255), nullable=True),
        sa.Column("order_code_of_manufacturer", sa.String(length=255), nullable=True),
        sa.Column("product_article_number_of_manufacturer", sa.String(length=255), nullable=True),
        sa.Column("serial_number", sa.String(length=255), nullable=True),
        sa.Column("year_of_construction", sa.String(length=20), nullable=True),
        sa.Column("date_of_manufacture", sa.Date(), nullable=True),
        sa.Column("hardware_version", sa.String(length=255), nullable=True),
        sa.Column("firmware_version", sa.String(length=255), nullable=True),
        sa.Column("country_of_origin", sa.String(length=255), nullable=True),
        sa.Column("uri_of_the_product", sa.String(length=1000), nullable=True),
        sa.Column("company", sa.String(length=255), nullable=True),
        sa.Column("street", sa.String(length=255), nullable=True),
        sa.Column("zipcode", sa.String(length=255), nullable=True),
        sa.Column("city_town", sa.String(length=255), nullable=True),
        sa.Column("state_county", sa.String(length=255), nullable=True),
        sa.Column("national_code", sa.String(length=255), nullable=True),
        sa.Column("template", sa.String(length=100), nullable=False),
        sa.Column("global_asset_id", sa.String(length=1000), nullable=True),
        sa.Column("source_file", sa.String(length=255), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_supplier_nameplates_organization_id_organizations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["part_id"], ["parts.id"], name=op.f("fk_supplier_nameplates_part_id_parts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_nameplates")),
        sa.UniqueConstraint(
            "part_id", "manufacturer_key", name=op.f("uq_supplier_nameplates_part_id_manufacturer_key")
        ),
    )
    with op.batch_alter_table("supplier_nameplates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_supplier_nameplates_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_supplier_nameplates_part_id"), ["part_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("supplier_nameplates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supplier_nameplates_part_id"))
        batch_op.drop_index(batch_op.f("ix_supplier_nameplates_organization_id"))

    op.drop_table("supplier_nameplates")
