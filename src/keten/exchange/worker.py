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
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
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


@dataclass
class Worker:
    """Delivers the outbox of one database; ``name`` tells its attempts and claims apart."""

    session_factory: sessionmaker[Session]
    options: client.CallOptions = field(default_factory=client.CallOptions)
    batch: int = 20
    lease: timedelta = timedelta(seconds=60)
    poll_s: float = 1.0
    clock: Clock = _utc_now
    name: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}")

    def __post_init__(self) -> None:
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
            claimed = outbox.claim(
                session, worker=self.name, limit=self.batch, lease=self.lease, now=self.clock(), ids=ids
            )
            session.commit()
        events = [entry for entry in claimed if entry.kind != "fetch"]
        fetches = [entry for entry in claimed if entry.kind == "fetch"]
        # A batch's events go out at once, each on its own thread: a partner's answer is mostly
        # waiting, and the batch then takes one call's time, well inside the lease.
        sent = list(self._pool.map(self._send, events)) if events else []
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
        if sent or left:
            # One transaction for the batch's events: a worker killed before it sends them again
            # after its lease, with the same ids, which receivers drop.
            with self.session_factory() as session:
                outbox.finish(session, worker=self.name, outcomes=sent, now=self.clock())
                outbox.release(session, worker=self.name, entries=left)
                session.commit()
        return sorted([*done, *sent], key=lambda o: o.entry.id)

    def run(self, stop: threading.Event) -> None:
        """Deliver until ``stop`` is set: at once while entries are due, else at each poll or when
        a transaction of this process queues work."""
        try:
            while not stop.is_set():
                try:
                    held = len(self.run_once())
                except Exception:
                    log.exception("the outbox worker %s failed; it tries again at its next poll", self.name)
                    held = 0
                if not held:
                    outbox.WAKE.wait(self.poll_s)
                    outbox.WAKE.clear()
        finally:
            self.close()

    def _client(self, partner: ExchangePartner, version: str) -> client.PactClient:
        key = (partner.id, version, partner.base_url, partner.remote_client_id, partner.remote_client_secret)
        with self._clients_lock:
            held = self._clients.get(key)
            if held is None:
                held = client.client_for(partner, self.options, version=version)
                try:
                    # Its token is asked for once, before the batch's threads share the client.
                    held.token()
                except BaseException:
                    held.close()
                    raise
                self._clients[key] = held
            return held

    def _send(self, entry: outbox.Claimed) -> outbox.Outcome:
        """Return what sending one event did; a Published event's attempt is also an access-log
        entry of the partner, as it always was."""
        with self.session_factory() as session:
            partner = session.get(ExchangePartner, entry.partner_id)
            if partner is None:
                return outbox.Outcome(entry, None, "the partner was removed")
            bind = session.get_bind()
            engine = bind if isinstance(bind, Engine) else bind.engine
        if not service.has_remote(partner):
            outcome = outbox.Outcome(entry, None, "no remote configured")
        else:
            try:
                self._client(partner, entry.pact_version).post_event(entry.payload)
                outcome = outbox.Outcome(entry, 200)
            except client.PactCallFailed as exc:
                outcome = outbox.Outcome(entry, exc.status, str(exc))
            except Exception as exc:
                log.exception("sending partner %s event %s failed", partner.code, entry.event_id)
                outcome = outbox.Outcome(entry, None, f"{type(exc).__name__}: {exc}")
        if entry.kind == "published":
            pf_ids = entry.payload.get("data", {}).get("pfIds", [])
            if outcome.delivered:
                target = f"to {partner.code}, {_ids_text(pf_ids)}"
            else:
                log.warning(
                    "partner %s was not told of %s: %s", partner.code, ", ".join(pf_ids), outcome.error
                )
                target = f"to {partner.code} failed: {outcome.error[:200]}; {_ids_text(pf_ids)}"
            service.record_access(
                engine,
                partner_id=partner.id,
                action=service.NOTIFY_ACTION,
                target=target,
                status=outcome.status or 502,
                ip=None,
            )
        return outcome

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
