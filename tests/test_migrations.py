"""Migrations are reversible and match the models, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine, make_url

from keten.db import make_engine
from keten.migrate import downgrade, upgrade
from keten.models import Base

POSTGRES_URL = os.environ.get("KETEN_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"])
def blank_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'migrate.db'}")
        yield engine
        engine.dispose()
        return
    assert POSTGRES_URL is not None
    name = f"keten_migrate_{uuid.uuid4().hex[:8]}"
    admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False))
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_downgrade_upgrade(blank_engine: Engine) -> None:
    upgrade(blank_engine)
    tables = set(inspect(blank_engine).get_table_names())
    assert {"parts", "bom_lines", "organizations", "sites", "sourcing", "stock"} <= tables
    downgrade(blank_engine, "base")
    assert set(inspect(blank_engine).get_table_names()) <= {"alembic_version"}
    upgrade(blank_engine)
    assert set(inspect(blank_engine).get_table_names()) == tables


def test_migrations_match_the_models(blank_engine: Engine) -> None:
    upgrade(blank_engine)
    with blank_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"models and migrations differ; write a migration for: {diff}"


def test_supplier_nameplates_come_and_go_with_their_migration(blank_engine: Engine) -> None:
    # Up to the nameplates' own revision, so that later migrations do not change what is compared.
    upgrade(blank_engine, "0009")
    tables = set(inspect(blank_engine).get_table_names())
    assert "supplier_nameplates" in tables
    unique = inspect(blank_engine).get_unique_constraints("supplier_nameplates")
    assert [u["column_names"] for u in unique] == [["part_id", "manufacturer_key"]]
    # Down to the revision before them removes exactly the nameplates.
    downgrade(blank_engine, "0008")
    assert set(inspect(blank_engine).get_table_names()) == tables - {"supplier_nameplates"}
    upgrade(blank_engine, "0009")
    assert set(inspect(blank_engine).get_table_names()) == tables


def test_the_exchange_outbox_comes_and_goes_with_its_migration(blank_engine: Engine) -> None:
    outbox = {"exchange_outbox", "exchange_outbox_attempts", "exchange_received_events"}
    upgrade(blank_engine, "0011")
    tables = set(inspect(blank_engine).get_table_names())
    assert outbox <= tables
    unique = inspect(blank_engine).get_unique_constraints("exchange_received_events")
    assert [u["column_names"] for u in unique] == [["partner_id", "event_id"]]
    downgrade(blank_engine, "-1")
    assert set(inspect(blank_engine).get_table_names()) == tables - outbox
    upgrade(blank_engine, "0011")
    assert set(inspect(blank_engine).get_table_names()) == tables


def test_the_outbox_claims_by_an_index_of_the_entries_to_deliver_from_0016(blank_engine: Engine) -> None:
    def indexes() -> set[str]:
        return {str(i["name"]) for i in inspect(blank_engine).get_indexes("exchange_outbox")}

    upgrade(blank_engine, "0016")
    assert "ix_exchange_outbox_active_due" in indexes()
    assert "ix_exchange_outbox_status_due" not in indexes()
    downgrade(blank_engine, "0015")
    assert "ix_exchange_outbox_active_due" not in indexes()
    assert "ix_exchange_outbox_status_due" in indexes()
    upgrade(blank_engine, "0016")
    assert "ix_exchange_outbox_active_due" in indexes()


def test_an_unknown_primary_data_share_is_kept_as_null_and_becomes_0_going_down(blank_engine: Engine) -> None:
    upgrade(blank_engine)

    def nullable() -> bool:
        columns = inspect(blank_engine).get_columns("supplier_pcfs")
        return next(c["nullable"] for c in columns if c["name"] == "primary_data_share")

    assert nullable()
    with blank_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO parts (part_number, name, kind, unit, revision, created_at, updated_at) "
                "VALUES ('X', 'X', 'component', 'pc', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO supplier_pcfs (part_id, kg_co2e_per_unit, biogenic_kg_co2e_per_unit, quality) "
                "SELECT id, 1.0, 0.0, 2.0 FROM parts"
            )
        )
    downgrade(blank_engine, "0009")
    assert not nullable()
    with blank_engine.connect() as conn:
        assert conn.execute(text("SELECT primary_data_share FROM supplier_pcfs")).scalar_one() == 0.0
    upgrade(blank_engine)
    assert nullable()


def test_saved_column_mappings_come_and_go_with_their_migration(blank_engine: Engine) -> None:
    upgrade(blank_engine)
    unique = inspect(blank_engine).get_unique_constraints("column_mappings")
    assert [u["column_names"] for u in unique] == [["kind", "name"]]
    downgrade(blank_engine, "0009")
    remaining = set(inspect(blank_engine).get_table_names())
    assert "column_mappings" not in remaining and "supplier_nameplates" in remaining
    upgrade(blank_engine)
    assert "column_mappings" in set(inspect(blank_engine).get_table_names())
