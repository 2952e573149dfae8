"""The exchange's outbox: work for partners that must outlive the request that caused it.

Every event this node sends a partner (Published, RequestCreated, RequestFulfilled,
RequestRejected) and every fetch an incoming Published event asks for is an
:class:`~keten.exchange.models.OutboxEntry`, added in the transaction of the change that causes
it: the event exists if and only if the change was committed. Workers (keten.exchange.worker)
claim due entries, deliver them and record each attempt; a failed attempt is tried again with
exponential back-off (:func:`next_attempt`) for up to three days, then the entry is given up and
the owner sees it, with retry and cancel.

Claiming is one statement: ``UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING …``. On
PostgreSQL the SELECT locks its rows with ``FOR UPDATE SKIP LOCKED`` in a materialized common table
expression, so several workers never hold one entry at once and no claim takes more than ``n``; on
SQLite it runs under the database's single writer, so of two processes claiming at once one waits
for the other and sees its claim. A claim is a lease: a worker that dies leaves its entries to be
claimed again when the lease runs out, so an event may be sent twice, with the same id, and never
lost. The outcomes of a batch are recorded with one UPDATE per distinct outcome (one for all the
delivered entries) and one INSERT of the attempts.

Functions take the session first and only flush; the caller commits.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, event, func, insert, literal_column, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Update

from keten.exchange.models import OUTBOX_ACTIVE, ExchangePartner, OutboxAttempt, OutboxEntry
from keten.problems import Problem
from keten.timestamps import utc_now

__all__ = [
    "FIRST_DELAY",
    "GIVE_UP_AFTER",
    "MAX_DELAY",
    "WAKE",
    "Claimed",
    "Outcome",
    "cancel",
    "claim",
    "enqueue_event",
    "enqueue_fetch",
    "entry_row",
    "entry_rows",
    "finish",
    "list_entries",
    "next_attempt",
    "queued",
    "release",
    "retry",
]

FIRST_DELAY = timedelta(seconds=30)
"""Wait after the first failed attempt; each further failure doubles it."""
MAX_DELAY = timedelta(hours=6)
"""Longest wait between two attempts."""
GIVE_UP_AFTER = timedelta(days=3)
"""PACT: a host retries a failed event with exponential back-off for up to three days."""
FINAL_STATUSES = frozenset({400, 501})
"""Partner answers that another attempt cannot change: the event is malformed for it, or it
takes no events. The entry is given up at once (the owner can still retry it)."""
SHOWN_ATTEMPTS = 5
"""Attempts shown with each entry, newest first."""

WAKE = threading.Event()
"""Set when a transaction that queued work commits, so a worker in this process starts at once
instead of at its next poll."""


def _aware(moment: datetime) -> datetime:
    # SQLite gives back naive datetimes; every time keten stores is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def next_attempt(*, attempts: int, queued_at: datetime, now: datetime) -> datetime | None:
    """Return when to try again after ``attempts`` failed attempts of an entry queued at
    ``queued_at``, the last having failed at ``now``; None once three days have passed.

    The wait is :data:`FIRST_DELAY` doubled after each failure, at most :data:`MAX_DELAY`, and the
    last attempt falls at three days after queueing."""
    deadline = _aware(queued_at) + GIVE_UP_AFTER
    if _aware(now) >= deadline:
        return None
    delay: timedelta = min(FIRST_DELAY * 2 ** max(attempts - 1, 0), MAX_DELAY)
    return min(_aware(now) + delay, deadline)


def queued(session: Session) -> list[int]:
    """Return the ids of the entries queued in ``session`` so far, oldest first."""
    return list(session.info.get("outbox_queued", ()))


def _wake_after_commit(session: Session) -> None:
    if not session.info.get("outbox_wake"):
        session.info["outbox_wake"] = True
        event.listen(session, "after_commit", _set_wake, once=True)


def _set_wake(session: Session) -> None:
    session.info.pop("outbox_wake", None)
    WAKE.set()


def enqueue_event(
    session: Session, *, partner: ExchangePartner, kind: str, event: dict[str, Any], version: str
) -> OutboxEntry:
    """Return a new entry that sends ``event`` (a CloudEvent of ``kind``) to the partner's events
    endpoint of PACT ``version``, delivered after the session's transaction commits."""
    entry = OutboxEntry(
        kind=kind,
        event_id=str(event["id"]),
        partner_id=partner.id,
        pact_version=version,
        payload=event,
        status="pending",
        attempts=0,
        last_error="",
    )
    session.add(entry)
    session.flush()
    session.info.setdefault("outbox_queued", []).append(entry.id)
    _wake_after_commit(session)
    return entry


def enqueue_fetch(
    session: Session, *, partner: ExchangePartner, event_id: str, pf_ids: Sequence[str], version: str
) -> OutboxEntry:
    """Return a new entry that fetches the footprints ``pf_ids`` a partner's Published event
    (``event_id``) named, over PACT ``version``, after the session's transaction commits."""
    entry = OutboxEntry(
        kind="fetch",
        event_id=event_id[:200],
        partner_id=partner.id,
        pact_version=version,
        payload={"pfIds": list(pf_ids)},
        status="pending",
        attempts=0,
        last_error="",
    )
    session.add(entry)
    session.flush()
    _wake_after_commit(session)
    return entry


@dataclass(frozen=True)
class Claimed:
    """An entry a worker holds until ``lease_until``; ``attempts`` counts this one."""

    id: int
    kind: str
    event_id: str
    partner_id: int
    pact_version: str
    payload: dict[str, Any]
    attempts: int
    queued_at: datetime


def _due(now: datetime) -> Any:
    """Return the condition of an entry a worker may claim at ``now``: pending and due, or
    delivering with a lease that ran out.

    A claim moves ``next_attempt_at`` to the lease's end, so both are entries still to deliver
    (the partial index ``ix_exchange_outbox_active_due``) whose ``next_attempt_at`` has come: a
    claim reads that index in order and stops after ``limit`` rows. The lease is checked as well,
    so that a claim made before ``next_attempt_at`` moved with it is still honoured."""
    return and_(
        # Written out, not bound: SQLite uses a partial index only for the very terms it names.
        OutboxEntry.status.in_([literal_column(f"'{status}'") for status in OUTBOX_ACTIVE]),
        OutboxEntry.next_attempt_at <= now,
        or_(OutboxEntry.status == "pending", OutboxEntry.lease_until < now),
    )


def claim(
    session: Session,
    *,
    worker: str,
    limit: int,
    lease: timedelta,
    now: datetime | None = None,
    ids: Sequence[int] | None = None,
) -> list[Claimed]:
    """Return up to ``limit`` due entries (of ``ids`` only, when given), oldest due first, now
    held by ``worker`` until ``now + lease``: pending ones whose time has come, and ones whose
    worker's lease ran out."""
    now = now or utc_now()
    chosen = select(OutboxEntry.id).where(_due(now))
    if ids is not None:
        chosen = chosen.where(OutboxEntry.id.in_(list(ids)))
    chosen = (
        chosen.order_by(OutboxEntry.next_attempt_at, OutboxEntry.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Materialized, the locking SELECT runs once: inlined in the UPDATE, PostgreSQL may run it
        # again per row, each run skipping the rows the last one locked, and so claim more than
        # ``limit``.
        picked = chosen.cte("picked").prefix_with("MATERIALIZED")
        target = OutboxEntry.id.in_(select(picked.c.id))
    else:
        target = OutboxEntry.id.in_(chosen)
    statement = (
        update(OutboxEntry)
        .where(target, _due(now))
        .values(
            status="delivering",
            lease_until=now + lease,
            next_attempt_at=now + lease,
            claimed_by=worker[:64],
            attempts=OutboxEntry.attempts + 1,
        )
        .returning(
            OutboxEntry.id,
            OutboxEntry.kind,
            OutboxEntry.event_id,
            OutboxEntry.partner_id,
            OutboxEntry.pact_version,
            OutboxEntry.payload,
            OutboxEntry.attempts,
            OutboxEntry.queued_at,
        )
        .execution_options(synchronize_session=False)
    )
    rows = session.execute(statement).all()
    claimed = [
        Claimed(
            id=row.id,
            kind=row.kind,
            event_id=row.event_id,
            partner_id=row.partner_id,
            pact_version=row.pact_version,
            payload=row.payload,
            attempts=row.attempts,
            queued_at=_aware(row.queued_at),
        )
        for row in rows
    ]
    return sorted(claimed, key=lambda c: c.id)


@dataclass(frozen=True)
class Outcome:
    """What one attempt at a claimed entry did: ``status`` is the partner's HTTP status (200:
    delivered; None: no answer came or this node failed before calling), ``error`` why not."""

    entry: Claimed
    status: int | None
    error: str = ""

    @property
    def delivered(self) -> bool:
        return self.status == 200


def finish(
    session: Session, *, worker: str, outcomes: Sequence[Outcome], now: datetime | None = None
) -> None:
    """Record the attempts of ``worker``'s claimed entries: delivered, due again after back-off, or
    given up. An entry the owner cancelled meanwhile, or that another worker claimed after this
    worker's lease ran out, keeps its state; the attempt is recorded all the same.

    Entries whose outcome sets the same values share one UPDATE: a batch that was delivered
    whole is one statement."""
    if not outcomes:
        return
    now = now or utc_now()
    alike: dict[tuple[tuple[str, Any], ...], list[int]] = {}
    for outcome in outcomes:
        values = _recorded(outcome, now)
        alike.setdefault(tuple(sorted(values.items())), []).append(outcome.entry.id)
    for values_key, entry_ids in alike.items():
        session.execute(_while_held(entry_ids, worker).values(**dict(values_key)))
    session.execute(
        insert(OutboxAttempt),
        [
            {
                "entry_id": o.entry.id,
                "at": now,
                "status": o.status,
                "error": o.error[:1000],
                "worker": worker[:64],
            }
            for o in outcomes
        ],
    )


def _recorded(outcome: Outcome, now: datetime) -> dict[str, Any]:
    """Return the columns of an entry that ``outcome`` sets, attempted at ``now``."""
    values: dict[str, Any] = {
        "last_status": outcome.status,
        "last_error": outcome.error[:1000],
        "lease_until": None,
        "claimed_by": None,
    }
    if outcome.delivered:
        values.update(status="delivered", finished_at=now)
        return values
    entry = outcome.entry
    again = (
        None
        if outcome.status in FINAL_STATUSES
        else next_attempt(attempts=entry.attempts, queued_at=entry.queued_at, now=now)
    )
    if again is None:
        values.update(status="failed", finished_at=now)
    else:
        values.update(status="pending", next_attempt_at=again)
    return values


def _while_held(entry_ids: Sequence[int], worker: str) -> Update:
    """Return an UPDATE of the entries ``entry_ids`` that changes each only while ``worker`` still
    holds its claim (a claim that lapsed and went to another worker is left alone)."""
    return (
        update(OutboxEntry)
        .where(
            OutboxEntry.id.in_(list(entry_ids)),
            OutboxEntry.status == "delivering",
            OutboxEntry.claimed_by == worker[:64],
        )
        .execution_options(synchronize_session=False)
    )


def release(
    session: Session, *, worker: str, entries: Sequence[Claimed], now: datetime | None = None
) -> None:
    """Give back claimed entries not attempted (their worker ran short of its lease): due at once,
    their claim's attempt not counted."""
    if not entries:
        return
    session.execute(
        _while_held([entry.id for entry in entries], worker).values(
            status="pending",
            next_attempt_at=now or utc_now(),
            attempts=OutboxEntry.attempts - 1,
            lease_until=None,
            claimed_by=None,
        )
    )


def _get(session: Session, entry_id: int) -> OutboxEntry:
    entry = session.get(OutboxEntry, entry_id)
    if entry is None:
        raise Problem(404, "Not Found", f"no outbox entry {entry_id}")
    return entry


def retry(session: Session, *, entry_id: int, now: datetime | None = None) -> OutboxEntry:
    """Return the entry due at once with three new days of back-off; a 409 problem when it was
    delivered or is being delivered."""
    entry = _get(session, entry_id)
    if entry.status in ("delivered", "delivering"):
        raise Problem(
            409, "Conflict", f"outbox entry {entry_id} is {entry.status}; there is nothing to retry"
        )
    now = now or utc_now()
    entry.status = "pending"
    entry.next_attempt_at = now
    entry.queued_at = now
    entry.finished_at = None
    session.flush()
    _wake_after_commit(session)
    return entry


def cancel(session: Session, *, entry_id: int, now: datetime | None = None) -> OutboxEntry:
    """Return the entry cancelled: no worker tries it again. A 409 problem when it was delivered;
    an attempt under way finishes, and its outcome is recorded without undoing the cancel."""
    entry = _get(session, entry_id)
    if entry.status == "delivered":
        raise Problem(409, "Conflict", f"outbox entry {entry_id} was delivered; it cannot be cancelled")
    entry.status = "cancelled"
    entry.finished_at = now or utc_now()
    entry.lease_until = None
    entry.claimed_by = None
    session.flush()
    return entry


def entry_row(
    entry: OutboxEntry, partner_code: str, attempts: Sequence[OutboxAttempt] = ()
) -> dict[str, Any]:
    """Return one entry as plain data, with its latest attempts, newest first."""
    pf_ids = entry.payload.get("pfIds") or entry.payload.get("data", {}).get("pfIds") or []
    return {
        "id": entry.id,
        "kind": entry.kind,
        "event_id": entry.event_id,
        "partner": partner_code,
        "pact_version": entry.pact_version,
        "status": entry.status,
        "attempts": entry.attempts,
        "next_attempt_at": _aware(entry.next_attempt_at) if entry.status == "pending" else None,
        "last_status": entry.last_status,
        "last_error": entry.last_error,
        "created_at": _aware(entry.created_at),
        "finished_at": _aware(entry.finished_at) if entry.finished_at else None,
        "footprint_ids": [str(pf_id) for pf_id in pf_ids],
        "recent_attempts": [
            {"at": _aware(a.at), "status": a.status, "error": a.error, "worker": a.worker} for a in attempts
        ],
    }


def entry_rows(session: Session, *, ids: Sequence[int]) -> list[dict[str, Any]]:
    """Return the entries ``ids`` as plain data (without attempts), by id."""
    rows = session.execute(
        select(OutboxEntry, ExchangePartner.code)
        .join(ExchangePartner, ExchangePartner.id == OutboxEntry.partner_id)
        .where(OutboxEntry.id.in_(list(ids)))
        .order_by(OutboxEntry.id)
    ).all()
    return [entry_row(entry, code) for entry, code in rows]


def list_entries(
    session: Session, *, status: str | None = None, partner: str | None = None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """Return one page of the outbox, newest first, each entry with its latest attempts, and the
    number of entries in all."""
    statement = select(OutboxEntry, ExchangePartner.code).join(
        ExchangePartner, ExchangePartner.id == OutboxEntry.partner_id
    )
    if status:
        statement = statement.where(OutboxEntry.status == status)
    if partner:
        statement = statement.where(ExchangePartner.code == partner)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.execute(statement.order_by(OutboxEntry.id.desc()).limit(limit).offset(offset)).all()
    ids = [entry.id for entry, _ in rows]
    attempts: dict[int, list[OutboxAttempt]] = {}
    if ids:
        for attempt in session.scalars(
            select(OutboxAttempt).where(OutboxAttempt.entry_id.in_(ids)).order_by(OutboxAttempt.id.desc())
        ):
            held = attempts.setdefault(attempt.entry_id, [])
            if len(held) < SHOWN_ATTEMPTS:
                held.append(attempt)
    return [entry_row(entry, code, attempts.get(entry.id, ())) for entry, code in rows], int(total)
