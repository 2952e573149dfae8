"""How the outbox goes through a batch, on SQLite and PostgreSQL against a real loopback receiver:
claims made at once never share an entry nor take more than their limit (PostgreSQL skips the
entries another claim locked, SQLite waits for it), a batch's mixed outcomes are each recorded,
a partner's token is kept until it expires and renewed once for all the calls that meet a
refusal, and a worker keeps its connections to a partner open from one batch to the next."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.db import make_session_factory
from keten.exchange import client, outbox, service
from keten.exchange.models import OutboxAttempt, OutboxEntry
from keten.exchange.worker import Worker
from tests.exchange.conftest import Receiver, add_receiver_partner, queue_published

LEASE = timedelta(seconds=60)


def _event(n: int) -> dict[str, object]:
    return service.make_event(
        "2", "published", {"pfIds": [f"00000000-0000-4000-8000-{n:012d}"]}, source="https://us"
    )


def test_claims_made_at_once_never_share_an_entry_nor_take_more_than_their_limit(engine: Engine) -> None:
    add_receiver_partner(engine, "http://127.0.0.1:9")
    queue_published(engine, 150)
    factory = make_session_factory(engine)
    start = threading.Barrier(4)

    def claims(worker: str) -> list[list[int]]:
        taken: list[list[int]] = []
        start.wait()
        while True:
            with factory() as session:
                claimed = outbox.claim(session, worker=worker, limit=7, lease=LEASE)
                session.commit()
            if not claimed:
                return taken
            taken.append([entry.id for entry in claimed])

    with ThreadPoolExecutor(4) as pool:
        by_worker = list(pool.map(claims, ["w0", "w1", "w2", "w3"]))
    batches = [batch for taken in by_worker for batch in taken]
    held = [entry_id for batch in batches for entry_id in batch]
    assert max(len(batch) for batch in batches) <= 7
    assert len(held) == len(set(held)) == 150
    with Session(engine) as session:
        rows = session.execute(select(OutboxEntry.id, OutboxEntry.claimed_by, OutboxEntry.attempts)).all()
    owner = {entry_id: f"w{n}" for n, taken in enumerate(by_worker) for batch in taken for entry_id in batch}
    assert all(claimed_by == owner[entry_id] and attempts == 1 for entry_id, claimed_by, attempts in rows)


def test_a_claim_takes_other_entries_than_a_claim_not_yet_committed(engine: Engine) -> None:
    add_receiver_partner(engine, "http://127.0.0.1:9")
    queue_published(engine, 12)
    factory = make_session_factory(engine)
    first = factory()
    mine = {entry.id for entry in outbox.claim(first, worker="first", limit=5, lease=LEASE)}
    theirs: set[int] = set()

    def second() -> None:
        with factory() as session:
            theirs.update(entry.id for entry in outbox.claim(session, worker="second", limit=5, lease=LEASE))
            session.commit()

    other = threading.Thread(target=second)
    other.start()
    if engine.dialect.name == "postgresql":
        # SKIP LOCKED: the second claim passes over the rows the first holds, without waiting.
        other.join(timeout=30)
        assert not other.is_alive()
    else:
        # SQLite's single writer: the second claim waits for the first to commit, then sees it.
        other.join(timeout=0.5)
        assert other.is_alive()
    first.commit()
    first.close()
    other.join(timeout=30)
    assert len(mine) == len(theirs) == 5 and not mine & theirs


def test_a_batch_with_mixed_outcomes_records_each_and_gives_back_what_it_did_not_attempt(
    engine: Engine,
) -> None:
    add_receiver_partner(engine, "http://127.0.0.1:9")
    queue_published(engine, 6)
    now = datetime.now(UTC)
    with Session(engine) as session:
        claimed = outbox.claim(session, worker="w", limit=6, lease=LEASE, now=now)
        session.commit()
    delivered, again, final, gone = claimed[:2], claimed[2], claimed[3], claimed[4]
    with Session(engine) as session:
        outbox.finish(
            session,
            worker="w",
            outcomes=[
                *(outbox.Outcome(entry, 200) for entry in delivered),
                outbox.Outcome(again, 503, "HTTP 503"),
                outbox.Outcome(final, 400, "HTTP 400"),
                outbox.Outcome(gone, None, "ConnectError"),
            ],
            now=now,
        )
        outbox.release(session, worker="w", entries=claimed[5:], now=now)
        session.commit()
        rows = {e.id: e for e in session.scalars(select(OutboxEntry))}
        attempts = session.scalars(select(OutboxAttempt.entry_id)).all()
    assert [rows[e.id].status for e in delivered] == ["delivered", "delivered"]
    assert (rows[again.id].status, rows[again.id].last_status) == ("pending", 503)
    assert rows[again.id].next_attempt_at == now + timedelta(seconds=30)
    assert (rows[final.id].status, rows[final.id].last_error) == ("failed", "HTTP 400")
    assert (rows[gone.id].status, rows[gone.id].last_error) == ("pending", "ConnectError")
    # Given back unattempted: due at once, its claim's attempt not counted, no attempt recorded.
    left = rows[claimed[5].id]
    assert (left.status, left.attempts, left.claimed_by) == ("pending", 0, None)
    assert sorted(attempts) == sorted(e.id for e in claimed[:5])
    assert all(row.claimed_by is None and row.lease_until is None for row in rows.values())


def test_a_token_is_kept_until_it_expires_and_renewed_before_the_call_that_would_meet_it_expired() -> None:
    seconds = [0.0]
    with Receiver(expires_in=3600) as receiver:
        pact = client.PactClient(receiver.base, "us", "secret", allow_http=True, clock=lambda: seconds[0])
        with pact:
            for n in range(5):
                pact.post_event(_event(n))
            # Renewed 30 s before the partner's hour is up, not on the partner's refusal.
            seconds[0] = 3600 - 31
            pact.post_event(_event(5))
            seconds[0] = 3600 - 29
            pact.post_event(_event(6))
    assert receiver.tokens == ["t1", "t2"]
    assert receiver.bearers == ["t1"] * 6 + ["t2"]
    assert receiver.refused == 0


def test_a_refused_token_is_renewed_once_for_all_the_calls_of_a_batch() -> None:
    with Receiver() as receiver:
        pact = client.PactClient(receiver.base, "us", "secret", allow_http=True, connections=20)
        with pact, ThreadPoolExecutor(20) as pool:
            list(pool.map(lambda n: pact.post_event(_event(n)), range(20)))
            receiver.revoke()
            list(pool.map(lambda n: pact.post_event(_event(n)), range(20, 40)))
    # Twenty calls met the revoked token at once; one new token served them all.
    assert receiver.tokens == ["t1", "t2"]
    assert 1 <= receiver.refused <= 20
    assert sorted(receiver.bearers) == ["t1"] * 20 + ["t2"] * 20


def test_a_worker_keeps_its_connections_and_token_from_one_batch_to_the_next(engine: Engine) -> None:
    with Receiver(delay_s=0.05) as receiver:
        add_receiver_partner(engine, receiver.base)
        ids = queue_published(engine, 90)
        worker = Worker(make_session_factory(engine), options=client.CallOptions(allow_http=True), batch=30)
        held = [len(worker.run_once()) for _ in range(4)]
        worker.close()
    assert held == [30, 30, 30, 0]
    assert sorted(receiver.ids()) == sorted(ids)
    assert receiver.tokens == ["t1"]
    # One connection per event of a batch, opened by the first batch and kept for the others
    # (a client that kept only its default 20 would open ten more for every batch).
    assert receiver.connections <= 31


def test_a_worker_stopped_between_a_claim_and_its_sends_gives_the_batch_back(engine: Engine) -> None:
    with Receiver() as receiver:
        add_receiver_partner(engine, receiver.base)
        queue_published(engine, 5)
        stop = threading.Event()

        def clock() -> datetime:
            # The stop arrives while the worker claims.
            stop.set()
            return datetime.now(UTC)

        options = client.CallOptions(allow_http=True)
        Worker(make_session_factory(engine), options=options, clock=clock).run(stop)
    assert receiver.ids() == []
    with Session(engine) as session:
        rows = session.execute(select(OutboxEntry.status, OutboxEntry.attempts, OutboxEntry.claimed_by)).all()
    assert rows == [("pending", 0, None)] * 5
