"""Declarative base, engine and session factories. Nothing connects at import time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import MetaData, create_engine, event, text, types
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

__all__ = ["Base", "begin_writing", "make_engine", "make_session_factory", "serialize", "session_scope"]

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every keten table; constraint names follow one convention so migrations diff cleanly."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class _UtcSqliteDateTime(sqlite.DATETIME):
    """SQLite's DATETIME for ``DateTime(timezone=True)`` columns: stored as UTC without an offset,
    as before, and read back aware in UTC, as PostgreSQL reads them."""

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        process = super().bind_processor(dialect)
        if not self.timezone or process is None:
            return process

        def bind(value: datetime | None) -> Any:
            if value is not None and value.tzinfo is not None:
                value = value.astimezone(UTC).replace(tzinfo=None)
            return process(value)

        return bind

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any] | None:
        process = super().result_processor(dialect, coltype)
        if not self.timezone or process is None:
            return process

        def result(value: Any) -> datetime | None:
            moment: datetime | None = process(value)
            return moment.replace(tzinfo=UTC) if moment is not None else None

        return result


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Return an engine for ``url``; SQLite gets foreign keys and WAL switched on."""
    if url.startswith("sqlite"):
        connect_args = kwargs.pop("connect_args", {})
        connect_args.setdefault("check_same_thread", False)
        # One writer at a time: others wait this long for the write lock before giving up.
        connect_args.setdefault("timeout", 30.0)
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        engine.dialect.colspecs = {**engine.dialect.colspecs, types.DateTime: _UtcSqliteDateTime}
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return a session factory bound to ``engine``; sessions do not expire objects on commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Yield a session that commits once at the end, or rolls everything back on error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def begin_writing(session: Session) -> None:
    """Make the session's transaction a writer now, so what it reads next is what it writes over.

    SQLite lets one writer in at a time: a write that changes nothing takes the write lock, and
    other writers wait for it (up to the busy timeout). PostgreSQL needs nothing here: a writer
    locks the rows it reads with SELECT … FOR UPDATE.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("UPDATE alembic_version SET version_num = version_num WHERE 1 = 0"))


def serialize(session: Session, key: int) -> None:
    """Hold, until the transaction ends, the lock named ``key``: transactions taking it run one by one.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: the database's write lock.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    else:
        begin_writing(session)
