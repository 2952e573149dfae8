"""Request-level dependencies shared by every domain's router."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["get_session"]


def get_session(request: Request) -> Iterator[Session]:
    """Yield the request's session: one transaction, committed when the handler returns.

    Depend on it with ``Depends(get_session, scope="function")`` so the commit happens before the
    response is sent: a commit that fails then answers 500 instead of a success that was not kept.
    Every use must name the same scope, or one request gets two sessions.
    """
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
