"""The audit log of write requests: the request's transaction records what it changed, and when it
commits, one entry names who did it (keten.web.access sets the actor), what and when.

Changes are counted per table from the ORM's flushes and bulk statements, so an import of 100,000
rows adds one entry, not 100,000. Writes that bypass the session (PostgreSQL COPY) are not seen
here; the import page records what it imported in an entry of its own.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from keten.partners import auth

__all__ = ["install"]

_CHANGES = "audit_changes"
_ACTOR = "audit_actor"
# Bookkeeping of credentials is not a change of data; sign-ins and tokens are logged explicitly.
_IGNORED = frozenset({"audit_log", "web_sessions", "sign_in_failures", "api_tokens"})


def _changes(session: Session) -> Counter[str]:
    counter: Counter[str] = session.info.setdefault(_CHANGES, Counter())
    return counter


def _table(obj: Any) -> str:
    return str(getattr(obj, "__tablename__", type(obj).__name__))


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    changes = _changes(session)
    for verb, objects in (("added", session.new), ("changed", session.dirty), ("deleted", session.deleted)):
        for obj in objects:
            table = _table(obj)
            if table in _IGNORED:
                continue
            if verb == "changed" and not session.is_modified(obj):
                continue
            changes[f"{table} {verb}"] += 1


def _orm_execute(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(getattr(state.statement, "table", None), "name", None)
    if table is None or table in _IGNORED:
        return
    verb = "inserted" if state.is_insert else "updated" if state.is_update else "deleted"
    _changes(state.session)[f"{table} {verb} (bulk)"] += 1


def _before_commit(session: Session) -> None:
    actor = session.info.get(_ACTOR)
    if actor is None:
        return
    session.flush()
    changes = session.info.pop(_CHANGES, None)
    if not changes:
        return
    detail = ", ".join(f"{what}: {count}" for what, count in sorted(changes.items()))
    auth.record_audit(
        session,
        username=actor["username"],
        action=actor["action"],
        target=actor["action"].partition(" ")[2],
        detail=detail,
        ip=actor["ip"],
    )


def _after_rollback(session: Session, _previous: Any) -> None:
    session.info.pop(_CHANGES, None)


def install(factory: sessionmaker[Session]) -> None:
    """Record the changes of every session that ``factory`` makes."""
    event.listen(factory, "before_flush", _before_flush)
    event.listen(factory, "do_orm_execute", _orm_execute)
    event.listen(factory, "before_commit", _before_commit)
    event.listen(factory, "after_soft_rollback", _after_rollback)
