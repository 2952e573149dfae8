"""Bring a database to the newest schema (or back) with the project's Alembic migrations."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

__all__ = ["SchemaBehind", "alembic_config", "downgrade", "ensure_current", "upgrade"]


class SchemaBehind(RuntimeError):
    """The database's schema is not the one this keten needs; the message says what to run."""


_ROOT = Path(__file__).resolve().parents[2]


def alembic_config() -> Config:
    """Return the Alembic configuration of this checkout."""
    ini = _ROOT / "alembic.ini"
    if not ini.exists():
        raise RuntimeError(
            f"migrations not found next to the keten sources ({ini}); install keten from a checkout"
        )
    return Config(str(ini))


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database behind ``engine`` up to ``revision``."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Migrate the database behind ``engine`` down to ``revision``."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def _revisions(engine: Engine) -> tuple[str | None, str | None]:
    """Return (the database's revision or None when never migrated, the newest revision)."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    return current, head


def ensure_current(engine: Engine) -> str:
    """Return how the database was found: SQLite is migrated to the newest schema (the embedded
    default sets itself up); any other database must be migrated already, else SchemaBehind."""
    current, head = _revisions(engine)
    if current == head:
        return f"schema at revision {head}"
    if engine.dialect.name == "sqlite":
        upgrade(engine)
        return f"schema migrated from {current or 'empty'} to revision {head}"
    found = f"at revision {current}" if current else "not migrated"
    raise SchemaBehind(
        f"the database is {found}; this keten needs revision {head}. Run `keten db upgrade` first "
        "(with the same KETEN_DATABASE_URL)"
    )
