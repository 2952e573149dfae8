"""The outbox's delivery worker: claims due entries (keten.exchange.outbox), sends each event to
its partner's events endpoint or fetches the footprints a Published event named, and records
every attempt.

``keten worker`` runs one in the foreground; ``keten serve`` and ``keten demo`` start one thread
per server process (setting ``outbox_worker``). Any number of them may run against one database.
An event keeps its CloudEvents id on every attempt, so a partner that receives it twice (a worker
killed after sending, before recording) drops the repeat by its id.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from keten.exchange import client, outbox, service
from keten.exchange.models import ExchangePartner
from keten.settings import Settings

__all__ = ["Worker", "embedded"]

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _ids_text(pf_ids: Iterable[str]) -> str:
    ids = list(pf_ids)
    count = f"{len(ids)} footprint{'s' if len(ids) != 1 else ''}"
    return f"{count}: {', '.join(ids)}"


@dataclass(frozen=True)
class _Batch:
    """Entries a worker claimed, and the partners they go to by id (a removed one is absent)."""

    claimed: list[outbox.Claimed]
    partners: dict[int, ExchangePartner]


@dataclass(frozen=True)
class _Done:
    """What a worker did with a batch: events sent, fetches done (already recorded), and
    fetches left for another attempt."""

    sent: list[outbox.Outcome]
    fetched: list[outbox.Outcome]
    left: list[outbox.Claimed]
    partners: dict[int, ExchangePartner]

    @property
    def outcomes(self) -> list[outbox.Outcome]:
        return sorted([*self.fetched, *self.sent], key=lambda o: o.entry.id)

    def notified(self) -> list[tuple[int, str, int]]:
        """Return the access-log entries of the Published events sent to partners still held."""
        return [
            _notified(o, self.partners[o.entry.partner_id].code)
            for o in self.sent
            if o.entry.kind == "published" and o.entry.partner_id in self.partners
        ]


def _notified(outcome: outbox.Outcome, code: str) -> tuple[int, str, int]:
    """Return the access-log entry (partner id, target, status) of an attempt to send a Published
    event to the partner ``code``, as the partner's access log has always shown them."""
    entry = outcome.entry
    pf_ids = entry.payload.get("data", {}).get("pfIds", [])
    if outcome.delivered:
        target = f"to {code}, {_ids_text(pf_ids)}"
    else:
        log.warning("partner %s was not told of %s: %s", code, ", ".join(pf_ids), outcome.error)
        target = f"to {code} failed: {outcome.error[:200]}; {_ids_text(pf_ids)}"
    return entry.partner_id, target, outcome.status or 502


@dataclass
class Worker:
    """Delivers the outbox of one database; ``name`` tells its attempts and claims apart."""

    session_factory: sessionmaker[Session]
    options: client.CallOptions = field(default_factory=client.CallOptions)
    batch: int = 50
    lease: timedelta = timedelta(seconds=60)
    poll_s: float = 1.0
    clock: Clock = _utc_now
    name: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}")

    def __post_init__(self) -> None:
        # A batch's events go out at once: as many connections to a partner stay open between
        # batches, instead of opening the ones past the client's default for every batch.
        self.options = replace(self.options, connections=max(self.options.connections, self.batch))
        self._clients: dict[tuple[object, ...], client.PactClient] = {}
        self._clients_lock = threading.Lock()
        self._pool = ThreadPoolExecutor(
            max_workers=max(self.batch, 1), thread_name_prefix="keten-outbox-send"
        )

    @classmethod
    def of(cls, settings: Settings, session_factory: sessionmaker[Session]) -> Worker:
        """Return a worker configured by the node's settings."""
        return cls(
            session_factory,
            options=client.CallOptions.of(settings),
            batch=settings.outbox_batch,
            lease=timedelta(seconds=settings.outbox_lease_seconds),
            poll_s=settings.outbox_poll_seconds,
        )

    def close(self) -> None:
        """Close the connections to partners."""
        self._pool.shutdown(wait=True)
        for pact in self._clients.values():
            pact.close()
        self._clients.clear()

    def run_once(self, *, ids: Sequence[int] | None = None) -> list[outbox.Outcome]:
        """Return what attempting the entries of one claim did (of ``ids`` only, when given)."""
        with self.session_factory() as session:
            batch = self._claim(session, ids=ids)
            session.commit()
        done = self._deliver(batch)
        with self.session_factory() as session:
            self._record(session, done)
            session.commit()
        return done.outcomes

    def run(self, stop: threading.Event) -> None:
        """Deliver until ``stop`` is set: at once while entries are due, else at each poll or when
        a transaction of this process queues work.

        A batch's outcomes and the claim of the next batch are one transaction: while entries are
        due, a batch costs one commit."""
        try:
            batch = _Batch([], {})
            while not stop.is_set():
                try:
                    if batch.claimed:
                        done = self._deliver(batch)
                        with self.session_factory() as session:
                            self._record(session, done)
                            batch = _Batch([], {}) if stop.is_set() else self._claim(session)
                            session.commit()
                    else:
                        with self.session_factory() as session:
                            batch = self._claim(session)
                            session.commit()
                except Exception:
                    log.exception("the outbox worker %s failed; it tries again at its next poll", self.name)
                    batch = _Batch([], {})
                if not batch.claimed:
                    outbox.WAKE.wait(self.poll_s)
                    outbox.WAKE.clear()
            if batch.claimed:
                # Stopped between claiming a batch and sending it: given back, due at once,
                # rather than held until the lease runs out.
                with self.session_factory() as session:
                    outbox.release(session, worker=self.name, entries=batch.claimed, now=self.clock())
                    session.commit()
        finally:
            self.close()

    def _claim(self, session: Session, *, ids: Sequence[int] | None = None) -> _Batch:
        """Return a batch of due entries claimed in ``session``, with the partners they go to."""
        claimed = outbox.claim(
            session, worker=self.name, limit=self.batch, lease=self.lease, now=self.clock(), ids=ids
        )
        wanted = {entry.partner_id for entry in claimed}
        partners = (
            {p.id: p for p in session.scalars(select(ExchangePartner).where(ExchangePartner.id.in_(wanted)))}
            if wanted
            else {}
        )
        for partner in partners.values():
            # Kept as loaded: the batch's threads read them after this transaction ends.
            session.expunge(partner)
        return _Batch(claimed, partners)

    def _deliver(self, batch: _Batch) -> _Done:
        """Return what attempting a claimed batch did: its events are sent at once, its fetches
        one by one, each fetch recorded in its own transaction."""
        events = [entry for entry in batch.claimed if entry.kind != "fetch"]
        fetches = [entry for entry in batch.claimed if entry.kind == "fetch"]
        # A batch's events go out at once, each on its own thread: a partner's answer is mostly
        # waiting, and the batch then takes one call's time, well inside the lease. The threads
        # only call partners; the database sees the batch's outcomes in one transaction.
        sent = list(self._pool.map(lambda e: self._send(e, batch.partners.get(e.partner_id)), events))
        done: list[outbox.Outcome] = []
        started = time.monotonic()
        left: list[outbox.Claimed] = []
        for n, entry in enumerate(fetches):
            if time.monotonic() - started > self.lease.total_seconds() / 2:
                # Slow suppliers ate half the lease: the rest go back before another worker may
                # take them, so no fetch is done by two workers at once.
                left = fetches[n:]
                break
            done.append(self._fetch(entry))
        return _Done(sent=sent, fetched=done, left=left, partners=batch.partners)

    def _record(self, session: Session, done: _Done) -> None:
        """Record a batch's sent events and give back the fetches it did not get to, in
        ``session``'s transaction: a worker killed before it commits sends those events again
        after its lease, with the same ids, which receivers drop."""
        now = self.clock()
        outbox.finish(session, worker=self.name, outcomes=done.sent, now=now)
        outbox.release(session, worker=self.name, entries=done.left, now=now)
        service.add_access_entries(session, action=service.NOTIFY_ACTION, entries=done.notified())

    def _client(self, partner: ExchangePartner, version: str) -> client.PactClient:
        key = (partner.id, version, partner.base_url, partner.remote_client_id, partner.remote_client_secret)
        with self._clients_lock:
            held = self._clients.get(key)
            if held is None:
                held = client.client_for(partner, self.options, version=version)
                self._clients[key] = held
            return held

    def _send(self, entry: outbox.Claimed, partner: ExchangePartner | None) -> outbox.Outcome:
        """Return what sending one event to ``partner`` did."""
        if partner is None:
            return outbox.Outcome(entry, None, "the partner was removed")
        if not service.has_remote(partner):
            return outbox.Outcome(entry, None, "no remote configured")
        try:
            # The partner's client is shared by the batch's threads and kept between batches: its
            # connections stay open and its token is asked for once, until it expires.
            self._client(partner, entry.pact_version).post_event(entry.payload)
            return outbox.Outcome(entry, 200)
        except client.PactCallFailed as exc:
            return outbox.Outcome(entry, exc.status, str(exc))
        except Exception as exc:
            log.exception("sending partner %s event %s failed", partner.code, entry.event_id)
            return outbox.Outcome(entry, None, f"{type(exc).__name__}: {exc}")

    def _fetch(self, entry: outbox.Claimed) -> outbox.Outcome:
        """Fetch the footprints a supplier's Published event named and store them as primary data;
        the import and the entry's outcome are one transaction, so a worker killed in between
        leaves both undone and the next attempt does the whole."""
        pf_ids = [str(pf_id) for pf_id in entry.payload.get("pfIds", [])]
        with self.session_factory() as session:
            partner = session.get(ExchangePartner, entry.partner_id)
            if partner is None:
                gone = outbox.Outcome(entry, None, "the partner was removed")
                outbox.finish(session, worker=self.name, outcomes=[gone], now=self.clock())
                session.commit()
                return gone
            result, status = client.fetch_announced(
                session, partner=partner, pf_ids=pf_ids, options=self.options, version=entry.pact_version
            )
            outcome = outbox.Outcome(entry, status, "; ".join(result.failures))
            outbox.finish(session, worker=self.name, outcomes=[outcome], now=self.clock())
            session.commit()
            service.log_access(
                session,
                partner=partner,
                action=service.FETCH_ACTION,
                target=service.pull_summary(result, asked=len(pf_ids)),
                status=status,
            )
        return outcome


def embedded(settings: Settings, session_factory: sessionmaker[Session]) -> Callable[[], None] | None:
    """Start a worker thread for a server process when ``settings.outbox_worker`` is on; return
    the function that stops it and waits for its current batch (None when none was started)."""
    if not settings.outbox_worker:
        return None
    worker = Worker.of(settings, session_factory)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), name="keten-outbox", daemon=True)
    thread.start()

    def halt() -> None:
        stop.set()
        outbox.WAKE.set()
        thread.join(timeout=max(30.0, settings.pact_timeout_seconds * 2))

    return halt
