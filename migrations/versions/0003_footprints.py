"""footprints: emission factor sets and factors, activity data, use profiles, supplier PCFs, results

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "factor_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=1000), nullable=True),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_factor_sets")),
        sa.UniqueConstraint("name", "version", name=op.f("uq_factor_sets_name_version")),
    )
    op.create_table(
        "emission_factors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("factor_set_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("kg_co2e_per_unit", sa.Float(), nullable=True),
        sa.Column("secondary_kg_co2e_per_unit", sa.Float(), nullable=True),
        sa.Column("biogenic_kg_co2e_per_unit", sa.Float(), nullable=False),
        sa.Column("quality", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=1000), nullable=True),
        sa.Column("licence", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["factor_set_id"],
            ["factor_sets.id"],
            name=op.f("fk_emission_factors_factor_set_id_factor_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emission_factors")),
        sa.UniqueConstraint(
            "factor_set_id", "kind", "code", name=op.f("uq_emission_factors_factor_set_id_kind_code")
        ),
    )
    with op.batch_alter_table("emission_factors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_emission_factors_factor_set_id"), ["factor_set_id"], unique=False
        )

    op.create_table(
        "footprint_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("factor_set_id", sa.Integer(), nullable=False),
        sa.Column("factor_set_version", sa.String(length=32), nullable=False),
        sa.Column("input_revisions", sa.String(length=64), nullable=False),
        sa.Column("at", sa.Date(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("total_kg_co2e", sa.Float(), nullable=False),
        sa.Column("fossil_kg_co2e", sa.Float(), nullable=False),
        sa.Column("biogenic_kg_co2e", sa.Float(), nullable=False),
        sa.Column("by_stage", sa.JSON(), nullable=False),
        sa.Column("primary_data_share", sa.Float(), nullable=True),
        sa.Column("top_parts", sa.JSON(), nullable=False),
        sa.Column("fallbacks", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["factor_set_id"],
            ["factor_sets.id"],
            name=op.f("fk_footprint_results_factor_set_id_factor_sets"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["part_id"], ["parts.id"], name=op.f("fk_footprint_results_part_id_parts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_footprint_results")),
    )
    with op.batch_alter_table("footprint_results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_footprint_results_part_id"), ["part_id"], unique=False)

    op.create_table(
        "footprint_use_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("energy_kwh_per_year", sa.Float(), nullable=False),
        sa.Column("lifetime_years", sa.Float(), nullable=False),
        sa.Column("start_year", sa.Integer(), nullable=False),
        sa.Column("installed_base", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["part_id"],
            ["parts.id"],
            name=op.f("fk_footprint_use_profiles_part_id_parts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_footprint_use_profiles")),
        sa.UniqueConstraint("part_id", name=op.f("uq_footprint_use_profiles_part_id")),
    )
    op.create_table(
        "supplier_pcfs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("kg_co2e_per_unit", sa.Float(), nullable=False),
        sa.Column("biogenic_kg_co2e_per_unit", sa.Float(), nullable=False),
        sa.Column("primary_data_share", sa.Float(), nullable=False),
        sa.Column("quality", sa.Float(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_supplier_pcfs_organization_id_organizations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["part_id"], ["parts.id"], name=op.f("fk_supplier_pcfs_part_id_parts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_pcfs")),
    )
    with op.batch_alter_table("supplier_pcfs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_supplier_pcfs_part_id"), ["part_id"], unique=False)

    op.create_table(
        "footprint_activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("primary_share", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["part_id"], ["parts.id"], name=op.f("fk_footprint_activities_part_id_parts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_footprint_activities_site_id_sites"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_footprint_activities")),
    )
    with op.batch_alter_table("footprint_activities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_footprint_activities_part_id"), ["part_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("footprint_activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_footprint_activities_part_id"))

    op.drop_table("footprint_activities")
    with op.batch_alter_table("supplier_pcfs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supplier_pcfs_part_id"))

    op.drop_table("supplier_pcfs")
    op.drop_table("footprint_use_profiles")
    with op.batch_alter_table("footprint_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_footprint_results_part_id"))

    op.drop_table("footprint_results")
    with op.batch_alter_table("emission_factors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_emission_factors_factor_set_id"))

    op.drop_table("emission_factors")
    op.drop_table("factor_sets")
