"""Request-level dependencies shared by every domain's router."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["get_session"]


def get_session(request: Request) -> Iterator[Session]:
    """Yield the request's session: one transaction, committed when the handler returns."""
    factory: sessionmaker[Session] = request.app.state.session_factory
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
