"""index parts.updated_at, so a cached footprint learns of a change with one index lookup; store
the emission-weighted data quality of a footprint

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("parts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_parts_updated_at"), ["updated_at"], unique=False)
    with op.batch_alter_table("footprint_results", schema=None) as batch_op:
        batch_op.add_column(sa.Column("data_quality_rating", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("data_quality_coverage", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("footprint_results", schema=None) as batch_op:
        batch_op.drop_column("data_quality_coverage")
        batch_op.drop_column("data_quality_rating")
    with op.batch_alter_table("parts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_parts_updated_at"))
