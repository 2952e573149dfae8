"""biogenic carbon and an unknown primary data share: factors and supplier PCFs may state the
biogenic carbon in a part (and its CO2 uptake), results keep what they add up to, and a supplier
PCF may come without a primary data share (it then counts as 0)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_ADDED = {
    "emission_factors": ("biogenic_carbon_kg_per_unit",),
    "supplier_pcfs": ("biogenic_carbon_kg_per_unit", "biogenic_uptake_kg_co2e_per_unit"),
    "footprint_results": ("biogenic_carbon_kg", "biogenic_uptake_kg_co2e"),
}


def upgrade() -> None:
    for table, columns in _ADDED.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.add_column(sa.Column(column, sa.Float(), nullable=True))
            if table == "supplier_pcfs":
                batch.alter_column("primary_data_share", existing_type=sa.Float(), nullable=True)


def downgrade() -> None:
    op.execute("UPDATE supplier_pcfs SET primary_data_share = 0 WHERE primary_data_share IS NULL")
    for table, columns in _ADDED.items():
        with op.batch_alter_table(table) as batch:
            if table == "supplier_pcfs":
                batch.alter_column("primary_data_share", existing_type=sa.Float(), nullable=False)
            for column in reversed(columns):
                batch.drop_column(column)
