"""an index of the outbox entries still to deliver, in the order a worker claims them, in place of
the index by status and due time: a claim then reads as many rows as it takes instead of every due
entry (sorted again on each claim), on PostgreSQL and SQLite alike

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_ACTIVE = "status IN ('pending', 'delivering')"


def upgrade() -> None:
    op.drop_index("ix_exchange_outbox_status_due", table_name="exchange_outbox")
    op.create_index(
        "ix_exchange_outbox_active_due",
        "exchange_outbox",
        ["next_attempt_at", "id"],
        postgresql_where=sa.text(_ACTIVE),
        sqlite_where=sa.text(_ACTIVE),
    )


def downgrade() -> None:
    op.drop_index("ix_exchange_outbox_active_due", table_name="exchange_outbox")
    op.create_index("ix_exchange_outbox_status_due", "exchange_outbox", ["status", "next_attempt_at"])
