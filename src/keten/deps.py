"""Request-level dependencies shared by every domain's router."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import Request
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

__all__ = ["get_session"]


async def get_session(request: Request) -> AsyncIterator[Session]:
    """Yield the request's session: one transaction, committed when the handler returns.

    Depend on it with ``Depends(get_session, scope="function")`` so the commit happens before the
    response is sent: a commit that fails then answers 500 instead of a success that was not kept.
    Every use must name the same scope, or one request gets two sessions.

    Making a session touches no database, so it is made on the event loop; the commit, the only
    step that waits for the database, runs in the thread pool, and only when the request used the
    session at all (a route that answers from memory pays no transaction).
    """
    factory: sessionmaker[Session] = request.app.state.session_factory
    session = factory()
    try:
        yield session
        if session.in_transaction():
            await run_in_threadpool(session.commit)
    except BaseException:
        if session.in_transaction():
            session.rollback()
        raise
    finally:
        session.close()
