"""connector twins and apps: the equipment's nameplate, and what apps wrote back to a twin

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("connector_equipment") as batch:
        batch.add_column(sa.Column("nameplate", sa.JSON(), nullable=True))
    op.create_table(
        "connector_app_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("equipment_id", sa.Integer(), nullable=False),
        sa.Column("app", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("value", sa.String(length=2000), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["equipment_id"],
            ["connector_equipment.id"],
            name=op.f("fk_connector_app_results_equipment_id_connector_equipment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connector_app_results")),
        sa.UniqueConstraint(
            "equipment_id", "app", "name", name=op.f("uq_connector_app_results_equipment_id_app_name")
        ),
    )


def downgrade() -> None:
    op.drop_table("connector_app_results")
    with op.batch_alter_table("connector_equipment") as batch:
        batch.drop_column("nameplate")
