"""change counters: named counts raised by triggers when the data behind replayable answers changes

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29

``exchange`` counts changes of PACT partners, grants, published footprints and parts' categories
(what decides which footprints a partner sees); ``passports`` counts changes of a passport's
current revision. keten.replay reads them to know whether a kept answer is still true.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# (counter, table, trigger event, WHEN condition or ""). A trigger with a condition runs per
# changed row (on both databases); one without runs per statement on PostgreSQL, so a bulk
# change counts once there (SQLite has only row triggers).
WATCHED = [
    ("exchange", "exchange_partners", "INSERT", ""),
    ("exchange", "exchange_partners", "UPDATE", ""),
    ("exchange", "exchange_partners", "DELETE", ""),
    ("exchange", "exchange_grants", "INSERT", ""),
    ("exchange", "exchange_grants", "UPDATE", ""),
    ("exchange", "exchange_grants", "DELETE", ""),
    ("exchange", "exchange_footprints", "INSERT", ""),
    ("exchange", "exchange_footprints", "UPDATE", ""),
    ("exchange", "exchange_footprints", "DELETE", ""),
    # A category grant covers the parts of that category: a part that changes category changes
    # what a partner sees. New parts have no published footprint yet, so inserts do not count.
    ("exchange", "parts", "UPDATE OF category", "OLD.category IS DISTINCT FROM NEW.category"),
    # A passport's answer is fixed by its current revision (revisions never change).
    (
        "passports",
        "passports",
        "UPDATE OF current_revision",
        "OLD.current_revision IS DISTINCT FROM NEW.current_revision",
    ),
    ("passports", "passports", "DELETE", ""),
]
COUNTERS = sorted({counter for counter, *_ in WATCHED})


def _name(table: str, event: str) -> str:
    return f"trg_{table}_{event.split()[0].lower()}_counts"


def upgrade() -> None:
    counters = op.create_table(
        "change_counters",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_change_counters")),
    )
    op.bulk_insert(counters, [{"name": name, "version": 0} for name in COUNTERS])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION keten_count_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN UPDATE change_counters SET version = version + 1 WHERE name = TG_ARGV[0]; "
            "RETURN NULL; END $$"
        )
        for counter, table, event, when in WATCHED:
            each = f"FOR EACH ROW WHEN ({when})" if when else "FOR EACH STATEMENT"
            op.execute(
                f"CREATE TRIGGER {_name(table, event)} AFTER {event} ON {table} {each} "
                f"EXECUTE FUNCTION keten_count_change('{counter}')"
            )
        return
    for counter, table, event, when in WATCHED:
        # SQLite spells IS DISTINCT FROM as IS NOT.
        condition = f"WHEN {when.replace('IS DISTINCT FROM', 'IS NOT')}" if when else ""
        op.execute(
            f"CREATE TRIGGER {_name(table, event)} AFTER {event} ON {table} {condition} BEGIN "
            f"UPDATE change_counters SET version = version + 1 WHERE name = '{counter}'; END"
        )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for _, table, event, _ in WATCHED:
        name = _name(table, event)
        op.execute(
            f"DROP TRIGGER IF EXISTS {name} ON {table}" if postgresql else f"DROP TRIGGER IF EXISTS {name}"
        )
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS keten_count_change()")
    op.drop_table("change_counters")
