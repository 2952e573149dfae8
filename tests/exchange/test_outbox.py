"""The outbox of the exchange: events queued with the change that causes them, delivered by a worker
to a real loopback receiver, tried again with exponential back-off for three days (on a clock the
test moves, not by sleeping), shown to the owner with retry and cancel, answers sent on the
version their request came in on, and incoming repeats handled once."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.db import make_session_factory
from keten.exchange import client, outbox, service
from keten.exchange.models import FootprintRequest, OutboxAttempt, OutboxEntry
from keten.exchange.schemas import PartnerRemote
from keten.exchange.worker import Worker
from tests.exchange.conftest import (
    Receiver,
    add_partner,
    add_receiver_partner,
    build_chain,
    cloud_event,
    free_port,
    queue_published,
)
from tests.web.conftest import add_user, csrf_of, sign_in

HTML = {"Accept": "text/html"}
START = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


def test_the_back_off_doubles_from_30_seconds_up_to_6_hours_and_ends_after_three_days() -> None:
    waits = []
    now = START
    attempts = 0
    while True:
        attempts += 1
        again = outbox.next_attempt(attempts=attempts, queued_at=START, now=now)
        if again is None:
            break
        waits.append(again - now)
        now = again
    minutes = [w / timedelta(minutes=1) for w in waits]
    assert minutes[:6] == [0.5, 1, 2, 4, 8, 16]
    assert max(minutes) == 360
    # The last attempt falls at three days after queueing exactly; the one after it gives up.
    assert now == START + timedelta(days=3)
    assert len(waits) == 21
    assert outbox.next_attempt(attempts=3, queued_at=START, now=START + timedelta(days=3, seconds=1)) is None


def _entries(engine: Engine) -> list[OutboxEntry]:
    with Session(engine) as session:
        return list(session.scalars(select(OutboxEntry).order_by(OutboxEntry.id)))


def test_a_failing_partner_is_tried_again_on_schedule_then_given_up_and_shown(engine: Engine) -> None:
    nobody = f"http://127.0.0.1:{free_port()}"
    add_receiver_partner(engine, nobody)
    [event_id] = queue_published(engine, 1)
    clock = [START]
    worker = Worker(
        make_session_factory(engine),
        options=client.CallOptions(retries=0, allow_http=True),
        clock=lambda: clock[0],
    )
    # The entry was queued now, by the real clock: the schedule is measured from then.
    with Session(engine) as session:
        session.execute(update(OutboxEntry).values(queued_at=START, next_attempt_at=START))
        session.commit()
    [first] = worker.run_once()
    assert first.status is None and "ConnectError" in first.error
    [entry] = _entries(engine)
    assert (entry.status, entry.attempts) == ("pending", 1)
    assert entry.next_attempt_at.replace(tzinfo=UTC) == START + timedelta(seconds=30)
    # Not due before its time, due at it.
    clock[0] = START + timedelta(seconds=29)
    assert worker.run_once() == []
    clock[0] = START + timedelta(seconds=30)
    assert len(worker.run_once()) == 1
    assert _entries(engine)[0].next_attempt_at.replace(tzinfo=UTC) == START + timedelta(seconds=90)
    # Past three days: the next attempt is the last; the entry is given up and says why.
    clock[0] = START + timedelta(days=3)
    assert len(worker.run_once()) == 1
    [entry] = _entries(engine)
    assert (entry.status, entry.attempts, entry.event_id) == ("failed", 3, event_id)
    assert "ConnectError" in entry.last_error
    worker.close()
    with Session(engine) as session:
        rows, total = outbox.list_entries(session, status="failed", limit=10, offset=0)
    assert total == 1 and [a["status"] for a in rows[0]["recent_attempts"]] == [None, None, None]


def test_the_worker_delivers_each_event_once_with_its_id_and_logs_published_ones(engine: Engine) -> None:
    with Receiver() as receiver:
        add_receiver_partner(engine, receiver.base)
        ids = queue_published(engine, 45)
        worker = Worker(make_session_factory(engine), options=client.CallOptions(allow_http=True), batch=20)
        held = [len(worker.run_once()) for _ in range(4)]
        worker.close()
    assert held == [20, 20, 5, 0]
    # A batch's events go out at once: each id arrives once, in any order.
    assert sorted(receiver.ids()) == sorted(ids)
    assert {path for path, _ in receiver.received} == {"/2/events"}
    assert {e.status for e in _entries(engine)} == {"delivered"}
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(OutboxAttempt)) == 45
        log, _ = service.access_log(session, limit=100, offset=0, partner="RCV")
    assert len(log) == 45 and {(e.action, e.status) for e, _ in log} == {(service.NOTIFY_ACTION, 200)}


def test_a_malformed_event_for_the_partner_is_given_up_at_once(engine: Engine) -> None:
    with Receiver(status=400) as receiver:
        add_receiver_partner(engine, receiver.base)
        queue_published(engine, 1)
        worker = Worker(make_session_factory(engine), options=client.CallOptions(retries=0, allow_http=True))
        [outcome] = worker.run_once()
        worker.close()
    assert outcome.status == 400
    assert [(e.status, e.last_status) for e in _entries(engine)] == [("failed", 400)]


def test_an_answer_goes_to_the_events_endpoint_of_the_version_its_request_came_in_on(
    anonymous_client: TestClient, engine: Engine, chain: list[str]
) -> None:
    with Receiver() as receiver:
        # The partner is stored as speaking v2, but asks over v3.
        add_receiver_partner(engine, receiver.base, version="2")
        with Session(engine, expire_on_commit=False) as session:
            partner, secret = service.rotate_secret(session, code="RCV")
            session.commit()
        token = anonymous_client.post(
            "/auth/token", data={"grant_type": "client_credentials"}, auth=(partner.client_id, secret)
        ).json()["access_token"]
        asked = cloud_event("3", "created", {"productId": [service.product_urn("CMP")]})
        answer = anonymous_client.post(
            "/3/events", content=json.dumps(asked), headers={"Authorization": f"Bearer {token}"}
        )
        assert answer.status_code == 200
        with Session(engine) as session:
            request = session.scalars(select(FootprintRequest)).one()
            client.fulfil(session, request_id=request.id, part_number="CMP", source="https://us")
            session.commit()
        worker = Worker(make_session_factory(engine), options=client.CallOptions(allow_http=True))
        [outcome] = worker.run_once()
        worker.close()
    assert outcome.delivered and outcome.entry.kind == "fulfilled" and outcome.entry.pact_version == "3"
    assert [path for path, _ in receiver.received] == ["/3/events"]


def test_a_repeated_incoming_event_is_handled_once(
    anonymous_client: TestClient, engine: Engine, chain: list[str]
) -> None:
    with Session(engine) as session:
        partner = add_partner(session, "CUSTOMER")
        session.commit()
    token = anonymous_client.post(
        "/auth/token", data={"grant_type": "client_credentials"}, auth=(partner.client_id, partner.secret)
    ).json()["access_token"]
    event = cloud_event("2", "created", {"pf": {"productIds": [service.product_urn("MOD")]}})
    for _ in range(3):
        answer = anonymous_client.post(
            "/2/events", content=json.dumps(event), headers={"Authorization": f"Bearer {token}"}
        )
        assert answer.status_code == 200
    with Session(engine) as session:
        assert [r.event_id for r in session.scalars(select(FootprintRequest))] == [event["id"]]


def test_the_owner_sees_each_attempt_and_retries_or_cancels_on_the_page_and_in_the_api(
    anonymous_client: TestClient, client_as: Callable[[str], TestClient], engine: Engine
) -> None:
    nobody = f"http://127.0.0.1:{free_port()}"
    add_receiver_partner(engine, nobody)
    queue_published(engine, 2)
    worker = Worker(make_session_factory(engine), options=client.CallOptions(retries=0, allow_http=True))
    assert len(worker.run_once()) == 2
    worker.close()
    first, second = (e.id for e in _entries(engine))
    add_user(engine, "eva", "editor")
    sign_in(anonymous_client, "eva")
    browser, api, viewer = anonymous_client, client_as("editor"), client_as("viewer")
    page = browser.get("/exchange/outbox", headers={**HTML, "Accept-Language": "nl"})
    assert page.status_code == 200
    assert "Uitgaande berichten" in page.text and "Opnieuw proberen" in page.text
    assert "geen antwoord" in page.text and "ConnectError" in page.text
    assert "Opnieuw proberen" not in viewer.get("/exchange/outbox", headers=HTML).text
    forged = browser.post(f"/exchange/outbox/{first}/cancel", headers=HTML, follow_redirects=False)
    assert forged.status_code == 403
    done = browser.post(
        f"/exchange/outbox/{first}/cancel",
        data={"csrf_token": csrf_of(page.text)},
        headers=HTML,
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert viewer.post(f"/api/exchange/outbox/{second}/retry").status_code == 403
    retried = api.post(f"/api/exchange/outbox/{second}/retry")
    assert retried.status_code == 200, retried.text
    assert retried.json()["status"] == "pending" and retried.json()["attempts"] == 1
    listed = api.get("/api/exchange/outbox", params={"status": "cancelled"}).json()
    assert [(i["id"], i["kind"], len(i["recent_attempts"])) for i in listed["items"]] == [
        (first, "published", 1)
    ]
    with Session(engine) as session:
        entry = session.get(OutboxEntry, first)
        assert entry is not None
        entry.status = "delivered"
        session.commit()
    conflict = api.post(f"/api/exchange/outbox/{first}/retry")
    assert conflict.status_code == 409 and "delivered" in conflict.json()["detail"]


@pytest.mark.parametrize("allowed", [False, True])
def test_the_client_sends_credentials_over_plain_http_only_to_loopback_when_allowed(allowed: bool) -> None:
    with Receiver() as receiver:
        local = client.PactClient(receiver.base, "us", "secret", retries=0, allow_http=allowed)
        remote = client.PactClient("http://partner.example", "us", "secret", retries=0, allow_http=True)
        with local, remote:
            if allowed:
                assert local.token() == "t1"
            else:
                with pytest.raises(client.PactCallFailed, match="HTTPS only"):
                    local.token()
            with pytest.raises(client.PactCallFailed, match="HTTPS only"):
                remote.token()
    assert receiver.received == []


def test_publishing_queues_the_event_in_the_same_transaction(engine: Engine) -> None:
    with Session(engine) as session:
        build_chain(session, publish=False)
        add_partner(session, "CUST", {"category": "modules"})
        service.set_remote(
            session,
            code="CUST",
            remote=PartnerRemote(base_url="https://cust.example", client_id="a", client_secret="b"),
        )
        session.commit()
    with Session(engine) as session:
        published = service.publish(session, part_number="MOD")
        [notified] = client.notify_published(session, pf_ids=[published.id], source="https://us")
        assert notified.entry_id is not None
        session.rollback()
    # Rolled back with the publication: no partner is told of a footprint that was not kept.
    assert _entries(engine) == []
