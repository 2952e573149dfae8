"""``keten worker`` processes against a real loopback receiver, on SQLite and PostgreSQL: a worker
killed with SIGKILL in the middle of a batch and started again delivers every event, none lost,
each repeat with the id the receiver already saw; two workers at once never deliver one event
twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.exchange.models import OutboxAttempt, OutboxEntry
from tests.exchange.conftest import Receiver, add_receiver_partner, queue_published, wait_for

BATCH = 20
LEASE_S = 2
"""Short, so that the restarted worker takes over the killed one's batch within the test."""


def _worker(url: str, log: Path, *, lease_s: float = LEASE_S) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "KETEN_DATABASE_URL": url,
        "KETEN_PACT_CLIENT_ALLOW_HTTP": "true",
        "KETEN_OUTBOX_BATCH": str(BATCH),
        "KETEN_OUTBOX_LEASE_SECONDS": str(lease_s),
        "KETEN_OUTBOX_POLL_SECONDS": "0.2",
    }
    command = [sys.executable, "-c", "from keten.cli import main; main()", "worker"]
    with log.open("ab") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)


def _stop(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=30)


def _counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        rows = session.execute(select(OutboxEntry.status, func.count()).group_by(OutboxEntry.status)).all()
    return {status: count for status, count in rows}


def test_a_worker_killed_in_the_middle_of_a_batch_loses_no_event(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    log = tmp_path / "worker.log"
    with Receiver(delay_s=0.02) as receiver:
        add_receiver_partner(engine, receiver.base)
        ids = queue_published(engine, 120)
        first = _worker(database_url, log)
        # Killed inside its second batch: events 21 to 25 are sent, their batch is not recorded.
        wait_for(lambda: len(receiver.ids()) >= BATCH + 5, timeout=60)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        sent_before = len(receiver.ids())
        counts = _counts(engine)
        assert counts.get("delivering") == BATCH, counts
        assert counts.get("delivered", 0) < sent_before
        with Session(engine) as session:
            held = set(
                session.scalars(select(OutboxEntry.event_id).where(OutboxEntry.status == "delivering"))
            )
        second = _worker(database_url, log)
        try:
            wait_for(lambda: _counts(engine) == {"delivered": 120}, timeout=120)
        finally:
            assert _stop(second) == 0, log.read_text()
    received = Counter(receiver.ids())
    assert set(received) == set(ids)
    repeats = {event_id: n for event_id, n in received.items() if n > 1}
    # Only events of the batch held when the worker died come twice, with the ids first sent.
    assert 0 < len(repeats) <= BATCH and set(repeats.values()) == {2}
    assert set(repeats) <= held


def test_two_workers_at_once_deliver_each_event_exactly_once(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    log = tmp_path / "workers.log"
    with Receiver(delay_s=0.005) as receiver:
        add_receiver_partner(engine, receiver.base)
        # Leases far longer than a batch takes: an event sent twice here could only be a claim
        # that two workers held at once.
        workers = [_worker(database_url, log, lease_s=600), _worker(database_url, log, lease_s=600)]
        try:
            # Both are up and polling before there is anything to claim.
            wait_for(lambda: log.read_text().count("outbox worker") == 2, timeout=60)
            ids = queue_published(engine, 300)
            wait_for(lambda: _counts(engine) == {"delivered": 300}, timeout=120)
        finally:
            codes = [_stop(w) for w in workers]
        assert codes == [0, 0], log.read_text()
    assert sorted(receiver.ids()) == sorted(ids)
    with Session(engine) as session:
        attempts = session.execute(select(OutboxAttempt.entry_id, OutboxAttempt.worker)).all()
    assert len(attempts) == 300 and len({entry for entry, _ in attempts}) == 300
    assert len({worker for _, worker in attempts}) == 2
