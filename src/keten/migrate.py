"""Bring a database to the newest schema (or back) with the project's Alembic migrations."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

__all__ = ["alembic_config", "downgrade", "upgrade"]

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
