"""resilience: saved disruption scenarios and supply-chain risk assessment reports

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "risk_scenarios",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("nodes", sa.JSON(), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("weeks", sa.Float(), nullable=False),
        sa.Column("horizon_weeks", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_as_of", sa.Date(), nullable=True),
        sa.Column("last_fingerprint", sa.String(length=64), nullable=True),
        sa.Column("last_revenue_lost_eur", sa.Float(), nullable=True),
        sa.Column("last_units_lost", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_scenarios")),
        sa.UniqueConstraint("name", name=op.f("uq_risk_scenarios_name")),
    )
    op.create_table(
        "risk_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_reports")),
    )


def downgrade() -> None:
    op.drop_table("risk_reports")
    op.drop_table("risk_scenarios")
