"""connector: equipment, samples of their signals, the sources' status and events, energy per order
and per part, OEE

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "connector_equipment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("site_code", sa.String(length=50), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("energy_max_kwh", sa.Float(), nullable=True),
        sa.Column("reset_tolerance_kwh", sa.Float(), nullable=False),
        sa.Column("ideal_cycle_s", sa.Float(), nullable=True),
        sa.Column("signals", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connector_equipment")),
        sa.UniqueConstraint("key", name=op.f("uq_connector_equipment_key")),
    )
    op.create_table(
        "connector_samples",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("equipment_id", sa.Integer(), nullable=False),
        sa.Column("signal", sa.SmallInteger(), nullable=False),
        sa.Column("ts_ms", sa.BigInteger(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("text", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["equipment_id"],
            ["connector_equipment.id"],
            name=op.f("fk_connector_samples_equipment_id_connector_equipment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connector_samples")),
    )
    op.create_index(
        "ix_connector_samples_equipment_signal_ts",
        "connector_samples",
        ["equipment_id", "signal", "ts_ms"],
        unique=False,
    )
    op.create_table(
        "connector_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("process", sa.String(length=200), nullable=False),
        sa.Column("connected", sa.Boolean(), nullable=False),
        sa.Column("last_message_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lag_s", sa.Float(), nullable=True),
        sa.Column("samples", sa.BigInteger(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_values", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connector_sources")),
        sa.UniqueConstraint("name", name=op.f("uq_connector_sources_name")),
    )
    op.create_table(
        "connector_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("equipment_key", sa.String(length=100), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connector_events")),
    )
    op.create_index(op.f("ix_connector_events_at"), "connector_events", ["at"], unique=False)

    op.create_table(
        "connector_order_energy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("equipment_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.String(length=100), nullable=True),
        sa.Column("part_number", sa.String(length=100), nullable=True),
        sa.Column("site_code", sa.String(length=50), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("running_kwh", sa.Float(), nullable=False),
        sa.Column("idle_kwh", sa.Float(), nullable=False),
        sa.Column("down_kwh", sa.Float(), nullable=False),
        sa.Column("setup_kwh", sa.Float(), nullable=False),
        sa.Column("good", sa.Float(), nullable=False),
        sa.Column("scrap", sa.Float(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["equipment_id"],
            ["connector_equipment.id"],
            name=op.f("fk_connector_order_energy_equipment_id_connector_equipment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connector_order_energy")),
    )
    op.create_index(
        "ix_connector_order_energy_period",
        "connector_order_energy",
        ["period_start", "period_end"],
        unique=False,
    )
    op.create_table(
        "connector_part_energy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("part_number", sa.String(length=100), nullable=False),
        sa.Column("site_code", sa.String(length=50), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("energy_kwh", sa.Float(), nullable=False),
        sa.Column("good_units", sa.Float(), nullable=False),
        sa.Column("kwh_per_unit", sa.Float(), nullable=False),
        sa.Column("in_footprints", sa.Boolean(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connector_part_energy")),
    )
    op.create_index(
        "ix_connector_part_energy_part_site",
        "connector_part_energy",
        ["part_number", "site_code"],
        unique=False,
    )
    op.create_table(
        "connector_oee",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("equipment_id", sa.Integer(), nullable=True),
        sa.Column("site_code", sa.String(length=50), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("planned_s", sa.Float(), nullable=False),
        sa.Column("running_s", sa.Float(), nullable=False),
        sa.Column("good", sa.Float(), nullable=False),
        sa.Column("scrap", sa.Float(), nullable=False),
        sa.Column("availability", sa.Float(), nullable=True),
        sa.Column("performance", sa.Float(), nullable=True),
        sa.Column("quality", sa.Float(), nullable=True),
        sa.Column("oee", sa.Float(), nullable=True),
        sa.Column("good_per_hour", sa.Float(), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["equipment_id"],
            ["connector_equipment.id"],
            name=op.f("fk_connector_oee_equipment_id_connector_equipment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connector_oee")),
    )
    op.create_index(
        "ix_connector_oee_site_period", "connector_oee", ["site_code", "period_start"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_connector_oee_site_period", table_name="connector_oee")
    op.drop_table("connector_oee")
    op.drop_index("ix_connector_part_energy_part_site", table_name="connector_part_energy")
    op.drop_table("connector_part_energy")
    op.drop_index("ix_connector_order_energy_period", table_name="connector_order_energy")
    op.drop_table("connector_order_energy")
    op.drop_index(op.f("ix_connector_events_at"), table_name="connector_events")
    op.drop_table("connector_events")
    op.drop_table("connector_sources")
    op.drop_index("ix_connector_samples_equipment_signal_ts", table_name="connector_samples")
    op.drop_table("connector_samples")
    op.drop_table("connector_equipment")
