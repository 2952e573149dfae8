"""Shared fixtures: every database test runs on SQLite, and on PostgreSQL when
KETEN_TEST_POSTGRES_URL names a server (each test worker gets a database of its own)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from keten.app import create_app
from keten.db import make_engine
from keten.exchange.service import flush_access_log
from keten.migrate import upgrade
from keten.models import Base
from keten.settings import Settings

# The tests' servers speak plain HTTP on loopback: the settings for local testing say they may.
os.environ["KETEN_PACT_ALLOW_HTTP"] = "true"
os.environ["KETEN_PACT_CLIENT_ALLOW_HTTP"] = "true"
# Tests deliver the outbox themselves, or start a server that runs its worker (exchange's live_server).
os.environ["KETEN_OUTBOX_WORKER"] = "false"

POSTGRES_URL = os.environ.get("KETEN_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]
REPO = Path(__file__).resolve().parents[1]


def _create_postgres_database(worker: str) -> tuple[str, str]:
    """Return (url of a new empty database, its name) on the test PostgreSQL server."""
    assert POSTGRES_URL is not None
    admin_url = make_url(POSTGRES_URL)
    name = f"keten_test_{worker}_{uuid.uuid4().hex[:8]}"
    admin = make_engine(admin_url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin_url.set(database=name).render_as_string(hide_password=False), name


def _drop_postgres_database(name: str) -> None:
    assert POSTGRES_URL is not None
    admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Yield the URL of a migrated, empty database of one backend, shared by a worker's tests."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'keten.db'}"
        name = None
    else:
        url, name = _create_postgres_database(worker)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    if name is not None:
        _drop_postgres_database(name)


def _empty_all_tables(engine: Engine) -> None:
    # The change counters are kept, as Alembic's own table is: triggers count changes into them.
    tables = [t for t in reversed(Base.metadata.sorted_tables) if t.name != "change_counters"]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """Yield an engine on an empty database; whatever the test wrote is removed afterwards."""
    eng = make_engine(database_url)
    try:
        yield eng
    finally:
        # Entries of the exchange's access log still queued belong to this test's database.
        flush_access_log(eng)
        _empty_all_tables(eng)
        eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """Yield a session on the test database; the test commits what it wants kept."""
    with Session(engine, expire_on_commit=False) as s:
        yield s
        s.rollback()


@pytest.fixture
def settings(database_url: str, engine: Engine) -> Settings:
    """Return settings pointing at the test database (emptied after the test)."""
    return Settings(database_url=database_url)


def make_user(engine: Engine, role: str, *, username: str | None = None) -> str:
    """Create a user with ``role`` and return a fresh API token of theirs."""
    from keten.partners import auth

    with Session(engine, expire_on_commit=False) as s:
        user = auth.create_user(
            s, username=username or f"{role}-{uuid.uuid4().hex[:6]}", password=None, role=role
        )
        secret, _ = auth.create_api_token(s, user=user, name="tests")
        s.commit()
    return secret


@pytest.fixture
def anonymous_client(settings: Settings) -> Iterator[TestClient]:
    """Yield an HTTP client without credentials talking to a keten app on the test database."""
    app = create_app(settings)
    with TestClient(app) as test_client:
        yield test_client
    app.state.engine.dispose()


@pytest.fixture
def client_as(settings: Settings, engine: Engine) -> Iterator[Callable[[str], TestClient]]:
    """Yield a function that returns a client signed in (by API token) as a new user of a role."""
    app = create_app(settings)
    clients: list[TestClient] = []

    def _client(role: str) -> TestClient:
        test_client = TestClient(app, headers={"Authorization": f"Bearer {make_user(engine, role)}"})
        test_client.__enter__()
        clients.append(test_client)
        return test_client

    yield _client
    for test_client in clients:
        test_client.__exit__(None, None, None)
    app.state.engine.dispose()


@pytest.fixture
def client(client_as: Callable[[str], TestClient]) -> TestClient:
    """Return an HTTP client talking to a keten app on the test database, as an admin (API token)."""
    return client_as("admin")
