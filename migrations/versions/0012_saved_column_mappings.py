"""saved column mappings: a file's own headers mapped onto the columns of one kind, kept by name

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "column_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("saved_by", sa.String(length=100), nullable=True),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_column_mappings")),
        sa.UniqueConstraint("kind", "name", name=op.f("uq_column_mappings_kind_name")),
    )


def downgrade() -> None:
    op.drop_table("column_mappings")
