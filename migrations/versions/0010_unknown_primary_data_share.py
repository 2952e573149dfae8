"""unknown primary data share: a supplier PCF may come without one, and then counts as 0

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


def upgrade() -> None:
    with op.batch_alter_table("supplier_pcfs") as batch:
        batch.alter_column("primary_data_share", existing_type=sa.Float(), nullable=True)


def downgrade() -> None:
    op.execute("UPDATE supplier_pcfs SET primary_data_share = 0 WHERE primary_data_share IS NULL")
    with op.batch_alter_table("supplier_pcfs") as batch:
        batch.alter_column("primary_data_share", existing_type=sa.Float(), nullable=False)
