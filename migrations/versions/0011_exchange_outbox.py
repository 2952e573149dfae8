"""exchange outbox: events and fetches for partners, delivered by workers, and received event ids

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_KINDS = "kind IN ('published', 'created', 'fulfilled', 'rejected', 'fetch')"
_STATUSES = "status IN ('pending', 'delivering', 'delivered', 'failed', 'cancelled')"


def upgrade() -> None:
    op.create_table(
        "exchange_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("pact_version", sa.String(length=1), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(_KINDS, name=op.f("ck_exchange_outbox_kind")),
        sa.CheckConstraint(_STATUSES, name=op.f("ck_exchange_outbox_status")),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["exchange_partners.id"],
            name=op.f("fk_exchange_outbox_partner_id_exchange_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_outbox")),
    )
    op.create_index(op.f("ix_exchange_outbox_event_id"), "exchange_outbox", ["event_id"])
    op.create_index(op.f("ix_exchange_outbox_partner_id"), "exchange_outbox", ["partner_id"])
    op.create_index("ix_exchange_outbox_status_due", "exchange_outbox", ["status", "next_attempt_at"])
    op.create_table(
        "exchange_outbox_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=1000), nullable=False),
        sa.Column("worker", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["exchange_outbox.id"],
            name=op.f("fk_exchange_outbox_attempts_entry_id_exchange_outbox"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_outbox_attempts")),
    )
    op.create_index(op.f("ix_exchange_outbox_attempts_entry_id"), "exchange_outbox_attempts", ["entry_id"])
    op.create_table(
        "exchange_received_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["exchange_partners.id"],
            name=op.f("fk_exchange_received_events_partner_id_exchange_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_received_events")),
        sa.UniqueConstraint(
            "partner_id", "event_id", name=op.f("uq_exchange_received_events_partner_id_event_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("exchange_received_events")
    op.drop_index(op.f("ix_exchange_outbox_attempts_entry_id"), table_name="exchange_outbox_attempts")
    op.drop_table("exchange_outbox_attempts")
    op.drop_index("ix_exchange_outbox_status_due", table_name="exchange_outbox")
    op.drop_index(op.f("ix_exchange_outbox_partner_id"), table_name="exchange_outbox")
    op.drop_index(op.f("ix_exchange_outbox_event_id"), table_name="exchange_outbox")
    op.drop_table("exchange_outbox")
