"""A throwaway PostgreSQL database for one benchmark run."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.engine import make_url

from keten.db import make_engine

__all__ = ["drop_database", "postgres_database"]


def postgres_database(base: str) -> tuple[str, str]:
    """Return (URL, name) of a new empty database on the server of ``base``."""
    name = f"keten_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False), name


def drop_database(base: str, name: str) -> None:
    """Drop the database ``name`` on the server of ``base``, closing what is connected to it."""
    admin = make_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
