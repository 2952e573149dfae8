"""lifecycle: EPCIS events, the identifiers they name, capture jobs

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "lifecycle_capture_jobs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("running", sa.Boolean(), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("error_behaviour", sa.String(length=16), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("stored_count", sa.Integer(), nullable=False),
        sa.Column("partner_code", sa.String(length=64), nullable=True),
        sa.Column("username", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lifecycle_capture_jobs")),
    )
    op.create_table(
        "lifecycle_events",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("event_id", sa.String(length=300), nullable=False),
        sa.Column("hash_id", sa.String(length=100), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=True),
        sa.Column("biz_step", sa.String(length=300), nullable=True),
        sa.Column("disposition", sa.String(length=300), nullable=True),
        sa.Column("read_point", sa.String(length=300), nullable=True),
        sa.Column("biz_location", sa.String(length=300), nullable=True),
        sa.Column("event_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("record_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capture_id", sa.String(length=36), nullable=True),
        sa.Column("document", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["capture_id"],
            ["lifecycle_capture_jobs.id"],
            name=op.f("fk_lifecycle_events_capture_id_lifecycle_capture_jobs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lifecycle_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_lifecycle_events_event_id")),
        sa.UniqueConstraint("hash_id", name=op.f("uq_lifecycle_events_hash_id")),
    )
    op.create_index("ix_lifecycle_events_biz_step_time", "lifecycle_events", ["biz_step", "event_time"])
    op.create_index("ix_lifecycle_events_time", "lifecycle_events", ["event_time"])
    op.create_index(op.f("ix_lifecycle_events_record_time"), "lifecycle_events", ["record_time"])
    op.create_index(op.f("ix_lifecycle_events_capture_id"), "lifecycle_events", ["capture_id"])
    op.create_table(
        "lifecycle_event_ids",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("event_pk", _BIG_ID, nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("uri", sa.String(length=300), nullable=False),
        sa.Column("gtin", sa.String(length=14), nullable=True),
        sa.Column("serial", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_pk"],
            ["lifecycle_events.id"],
            name=op.f("fk_lifecycle_event_ids_event_pk_lifecycle_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lifecycle_event_ids")),
    )
    op.create_index("ix_lifecycle_event_ids_uri_event", "lifecycle_event_ids", ["uri", "event_pk"])
    op.create_index("ix_lifecycle_event_ids_gtin", "lifecycle_event_ids", ["gtin"])
    op.create_index(op.f("ix_lifecycle_event_ids_event_pk"), "lifecycle_event_ids", ["event_pk"])


def downgrade() -> None:
    op.drop_table("lifecycle_event_ids")
    op.drop_table("lifecycle_events")
    op.drop_table("lifecycle_capture_jobs")
