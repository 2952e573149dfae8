"""Answers replayed from memory (keten.replay): a replay is the worked-out answer byte for byte and
costs one read of the change counter; any change another connection commits (another worker, the
command line) is seen by the next call; what the counter cannot see (a grant's expiry, a token
issued before a rotation) is checked on every replay; every replayed PACT call is logged."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten import replay
from keten.app import create_app
from keten.catalog.models import Part
from keten.exchange import service as exchange
from keten.exchange.models import AccessEntry, ExchangePartner, Grant
from keten.passports import service as passports
from keten.settings import Settings
from tests.exchange.conftest import Partner, add_partner, build_chain
from tests.passports.conftest import build_product


@contextmanager
def _statements(engine: Engine) -> Iterator[list[str]]:
    """Yield the list of SQL statements ``engine`` runs while the block runs."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _counter(engine: Engine, name: str) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                text("SELECT version FROM change_counters WHERE name = :n"), {"n": name}
            ).scalar_one()
        )


def _bearer(client: TestClient, partner: Partner) -> dict[str, str]:
    answer = client.post(
        "/auth/token", data={"grant_type": "client_credentials"}, auth=(partner.client_id, partner.secret)
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


@pytest.fixture
def pact(settings: Settings, engine: Engine) -> Iterator[tuple[TestClient, Partner, Engine]]:
    """Yield a client of a node whose partner OEM is granted the category 'modules' (one
    footprint, MOD) and the part BRK, the partner, and the app's engine."""
    with Session(engine, expire_on_commit=False) as session:
        build_chain(session)
        partner = add_partner(session, "OEM", {"category": "modules"}, {"part_number": "BRK"})
        session.commit()
    app = create_app(settings)
    with TestClient(app) as client:
        yield client, partner, app.state.engine
    app.state.engine.dispose()


def _ids(answer: Any) -> set[str]:
    assert answer.status_code == 200, answer.text
    return {pf["productIds"][0].rsplit(":", 1)[-1] for pf in answer.json()["data"]}


@pytest.mark.parametrize("version", ["2", "3"])
def test_a_replayed_page_is_the_worked_out_page_and_reads_only_the_counter(
    pact: tuple[TestClient, Partner, Engine], version: str
) -> None:
    client, partner, app_engine = pact
    bearer = _bearer(client, partner)
    first = client.get(f"/{version}/footprints?limit=1", headers=bearer)
    assert first.status_code == 200 and "link" in first.headers
    with _statements(app_engine) as seen:
        again = client.get(f"/{version}/footprints?limit=1", headers=bearer)
    assert len(seen) == 1 and "change_counters" in seen[0]
    assert again.content == first.content
    assert again.headers == first.headers  # Link, content type and the security headers
    with _statements(app_engine) as seen:
        other = client.get(f"/{version}/footprints?limit=2", headers=bearer)  # another query
    assert len(seen) > 1 and other.status_code == 200


def test_changes_made_elsewhere_are_seen_by_the_next_call(
    pact: tuple[TestClient, Partner, Engine], engine: Engine
) -> None:
    client, partner, _ = pact
    bearer = _bearer(client, partner)
    assert _ids(client.get("/2/footprints", headers=bearer)) == {"MOD", "BRK"}
    assert _ids(client.get("/2/footprints", headers=bearer)) == {"MOD", "BRK"}  # replayed

    # Each change below is committed by a connection of its own, as another worker would.
    with Session(engine) as session:
        brk_grant = session.scalars(select(Grant).where(Grant.part_id.is_not(None))).one()
        exchange.revoke_grant(session, grant_id=brk_grant.id)
        session.commit()
    assert _ids(client.get("/2/footprints", headers=bearer)) == {"MOD"}

    with Session(engine) as session:  # a category grant follows a part into its category
        session.execute(update(Part).where(Part.part_number == "CMP").values(category="modules"))
        session.commit()
    assert _ids(client.get("/2/footprints", headers=bearer)) == {"MOD", "CMP"}

    with Session(engine) as session:  # a footprint published again replaces the old one
        exchange.publish(session, part_number="MOD")
        session.commit()
    listed = client.get("/3/footprints?status=Active", headers=bearer)
    assert len(listed.json()["data"]) == 2

    with Session(engine) as session:
        exchange.revoke_partner(session, code="OEM")
        session.commit()
    refused = client.get("/2/footprints", headers=bearer)
    assert refused.status_code == 400 and refused.json()["code"] == "BadRequest"


def test_a_replay_ends_when_a_grant_expires(
    pact: tuple[TestClient, Partner, Engine], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, partner, _ = pact
    expires = exchange.utc_now() + timedelta(minutes=10)
    with Session(engine) as session:
        session.execute(update(Grant).where(Grant.part_id.is_not(None)).values(expires_at=expires))
        session.commit()
    bearer = _bearer(client, partner)
    assert _ids(client.get("/2/footprints", headers=bearer)) == {"MOD", "BRK"}
    assert _ids(client.get("/2/footprints", headers=bearer)) == {"MOD", "BRK"}  # replayed
    # Ten minutes later: no row changed, so only the kept answer's own bound tells.
    later = expires + timedelta(seconds=1)
    monkeypatch.setattr(exchange, "utc_now", lambda: later)
    monkeypatch.setattr(replay.time, "time", lambda: later.timestamp())
    assert _ids(client.get("/2/footprints", headers=bearer)) == {"MOD"}


def test_a_token_from_before_a_rotation_is_refused_though_a_page_is_kept_for_its_partner(
    pact: tuple[TestClient, Partner, Engine], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, partner, _ = pact
    # Tokens carry whole seconds: the old one is issued ten seconds before the rotation.
    earlier = exchange.utc_now() - timedelta(seconds=10)
    with Session(engine) as session:
        session.execute(update(ExchangePartner).values(secret_set_at=earlier - timedelta(seconds=10)))
        session.commit()
    monkeypatch.setattr(exchange, "utc_now", lambda: earlier)
    old = _bearer(client, partner)
    monkeypatch.undo()
    assert client.get("/2/footprints", headers=old).status_code == 200
    monkeypatch.setattr(exchange, "utc_now", lambda: earlier + timedelta(seconds=1))
    with Session(engine) as session:  # the new secret counts from two seconds after the old token
        _, secret = exchange.rotate_secret(session, code="OEM")
        session.commit()
    monkeypatch.undo()
    new = _bearer(client, Partner(partner.code, partner.client_id, secret))
    assert client.get("/2/footprints", headers=new).status_code == 200  # now kept for OEM
    refused = client.get("/2/footprints", headers=old)
    assert refused.status_code == 400 and refused.json()["code"] == "BadRequest"


def test_every_replayed_call_is_logged(pact: tuple[TestClient, Partner, Engine], engine: Engine) -> None:
    client, partner, app_engine = pact
    bearer = _bearer(client, partner)
    for _ in range(4):
        assert client.get("/3/footprints?limit=5", headers=bearer).status_code == 200
    pf_id = client.get("/3/footprints", headers=bearer).json()["data"][0]["id"]
    for _ in range(3):
        assert client.get(f"/3/footprints/{pf_id}", headers=bearer).status_code == 200
    exchange.flush_access_log(app_engine)
    with Session(engine) as session:
        rows = session.execute(
            select(AccessEntry.action, AccessEntry.target, func.count())
            .group_by(AccessEntry.action, AccessEntry.target)
            .where(AccessEntry.action != "token")
        ).all()
    assert sorted(tuple(r) for r in rows) == sorted(
        [("get footprint", pf_id, 3), ("list footprints", "limit=5", 4), ("list footprints", "", 1)]
    )


def test_with_replay_off_every_call_is_worked_out(settings: Settings, engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        build_chain(session)
        partner = add_partner(session, "OEM", {"category": "modules"})
        session.commit()
    app = create_app(settings.model_copy(update={"replay_answers": False}))
    with TestClient(app) as client:
        bearer = _bearer(client, partner)
        client.get("/2/footprints", headers=bearer)
        with _statements(app.state.engine) as seen:
            assert client.get("/2/footprints", headers=bearer).status_code == 200
        assert not any("change_counters" in s for s in seen) and len(seen) > 1
    app.state.engine.dispose()


# --- passports ------------------------------------------------------------------------------


@pytest.fixture
def passport(settings: Settings, engine: Engine) -> Iterator[tuple[TestClient, str, Engine]]:
    """Yield a client, the id of an item passport, and the app's engine."""
    with Session(engine) as session:
        build_product(session)
        passports.issue(session, part_number="P-1", resolver=str(settings.resolver_url))
        (item,) = passports.issue(
            session, part_number="P-1", level="item", serials=["SN1"], resolver=str(settings.resolver_url)
        )
        uid = item.uid
        session.commit()
    app = create_app(settings)
    with TestClient(app) as client:
        yield client, uid, app.state.engine
    app.state.engine.dispose()


@pytest.mark.parametrize("suffix", ["", "/jsonld"])
def test_an_anonymous_passport_read_is_replayed_and_a_signed_in_one_is_not(
    passport: tuple[TestClient, str, Engine], engine: Engine, suffix: str
) -> None:
    client, uid, app_engine = passport
    first = client.get(f"/api/passports/{uid}{suffix}")
    assert first.status_code == 200 and first.json()["tier"] == "public"
    with _statements(app_engine) as seen:
        again = client.get(f"/api/passports/{uid}{suffix}")
    assert len(seen) == 1 and "change_counters" in seen[0]
    assert again.content == first.content and again.headers == first.headers
    # A cookie may carry a session: such a read takes the normal way and answers the same here.
    with _statements(app_engine) as seen:
        cookied = client.get(f"/api/passports/{uid}{suffix}", headers={"Cookie": "theme=dark"})
    assert not any("change_counters" in s for s in seen)
    assert cookied.content == first.content


def test_the_resolver_replays_per_accepted_format(
    passport: tuple[TestClient, str, Engine], settings: Settings
) -> None:
    client, uid, app_engine = passport
    link = client.get(f"/api/passports/{uid}").json()["passport"]["identification"]["digitalLink"]
    path = link.removeprefix(str(settings.resolver_url).rstrip("/"))
    answers = {}
    for accept in ("application/json", "application/ld+json"):
        first = client.get(path, headers={"Accept": accept})
        assert first.status_code == 200 and first.headers["content-type"].startswith(accept)
        with _statements(app_engine) as seen:
            again = client.get(path, headers={"Accept": accept})
        assert len(seen) == 1 and again.content == first.content
        answers[accept] = again.content
    assert answers["application/json"] != answers["application/ld+json"]
    with _statements(app_engine) as seen:  # a person gets the page, never a kept answer
        page = client.get(path, headers={"Accept": "text/html"})
        page_again = client.get(path, headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html") and page_again.status_code == 200
    assert sum("change_counters" in s for s in seen) == 2 and len(seen) > 2


def test_a_new_revision_is_served_at_once(passport: tuple[TestClient, str, Engine], engine: Engine) -> None:
    client, uid, _ = passport
    assert client.get(f"/api/passports/{uid}").json()["revision"] == 1
    assert client.get(f"/api/passports/{uid}").json()["revision"] == 1  # replayed
    before = _counter(engine, "passports")
    with Session(engine) as session:
        passports.revise(
            session,
            passport_id=uid,
            resolver="http://127.0.0.1:8000",
            content=passports.content(session, passport_id=uid, tier="owner").model_copy(
                update={"recycled_content_share": 0.5}
            ),
        )
        session.commit()
    assert _counter(engine, "passports") > before
    assert client.get(f"/api/passports/{uid}").json()["revision"] == 2


# --- the counters -----------------------------------------------------------------------------


def test_the_triggers_count_what_answers_depend_on_and_nothing_else(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        build_chain(session)
        add_partner(session, "OEM")
        session.commit()
    steps: list[tuple[str, str, int]] = []

    def step(name: str, sql: str, counter: str) -> None:
        before = (_counter(engine, "exchange"), _counter(engine, "passports"))
        with engine.begin() as connection:
            connection.execute(text(sql))
        after = (_counter(engine, "exchange"), _counter(engine, "passports"))
        steps.append((name, counter, sum(a != b for a, b in zip(after, before, strict=True))))
        if counter == "exchange":
            assert after[0] > before[0] and after[1] == before[1], name
        elif counter == "passports":
            assert after[1] > before[1] and after[0] == before[0], name
        else:
            assert after == before, name

    step("part renamed", "UPDATE parts SET name = 'x' WHERE part_number = 'MOD'", "none")
    step("part's category kept", "UPDATE parts SET category = category WHERE part_number = 'MOD'", "none")
    step(
        "part's category changed", "UPDATE parts SET category = 'other' WHERE part_number = 'MOD'", "exchange"
    )
    step("footprint changed", "UPDATE exchange_footprints SET status = status", "exchange")
    step(
        "footprint removed",
        "DELETE FROM exchange_footprints WHERE part_id IN (SELECT id FROM parts WHERE part_number = 'BRK')",
        "exchange",
    )
    step(
        "grant added",
        "INSERT INTO exchange_grants (partner_id, category, purpose, created_at) "
        "SELECT id, 'x', 'tests', CURRENT_TIMESTAMP FROM exchange_partners",
        "exchange",
    )
    with Session(engine) as session:  # parts added (the ORM, as an import adds them) count nothing
        before = _counter(engine, "exchange")
        session.add(Part(part_number="NEW", name="New", kind="component"))
        session.commit()
    assert _counter(engine, "exchange") == before
    assert len(steps) == 6


class _State:
    settings = Settings(replay_answers=True)
    engine = None


class _App:
    state = _State()


async def _get(middleware: replay.Replay, path: str) -> tuple[int, bytes]:
    """Return the status and body the middleware answers an anonymous GET of ``path`` with."""
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    scope = {"type": "http", "method": "GET", "path": path, "headers": [], "app": _App()}
    await middleware(scope, receive, send)
    return int(sent[0]["status"]), b"".join(m.get("body", b"") for m in sent[1:])


def test_replay_keeps_at_most_its_memory_and_only_whole_200_answers() -> None:
    kept: list[tuple[int, bytes]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        status = int(scope["path"].strip("/").split("/")[0])
        body = b"x" * 1000
        await send({"type": "http.response.start", "status": status, "headers": []})
        # Sent in two parts: a kept answer is the whole body.
        await send({"type": "http.response.body", "body": body[:10], "more_body": True})
        await send({"type": "http.response.body", "body": body[10:]})
        if not scope["path"].endswith("/unmarked"):
            scope[replay.SCOPE_KEY] = replay.Mark(counter="c")
        kept.append((status, body))

    middleware = replay.Replay(
        app, [replay.Lane(counter="c", key=lambda scope: (scope["path"], None))], max_bytes=6000
    )

    calls: list[str] = []

    async def read(_engine: Any, _name: str) -> int:
        calls.append("read")
        return 1

    middleware._version = read  # type: ignore[method-assign]

    async def get(path: str) -> int:
        status, body = await _get(middleware, path)
        assert body == b"x" * 1000
        return status

    for path in ("/404/a", "/404/a", "/200/unmarked", "/200/unmarked"):
        asyncio.run(get(path))
    assert len(kept) == 4  # none of them was kept: the app answered every time
    asyncio.run(get("/200/whole"))
    asyncio.run(get("/200/whole"))
    assert len(kept) == 5  # the second was replayed
    for i in range(10):
        asyncio.run(get(f"/200/{i}"))
    stats = middleware.stats().store
    assert stats.bytes <= 6000 and stats.entries < 10 and stats.evicted > 0
    before = len(kept)
    asyncio.run(get("/200/9"))  # the newest is still kept
    assert len(kept) == before
    asyncio.run(get("/200/0"))  # the oldest went first
    assert len(kept) == before + 1
    assert len(calls) == 18  # every request read the counter once, replayed or not


def _replay_of(app: Any) -> replay.Replay:
    """Return the app's replay middleware (the stack is built on the first request)."""
    layer = app.middleware_stack
    while not isinstance(layer, replay.Replay):
        layer = layer.app
    return layer


def test_a_working_set_stays_replayed_while_first_reads_stream_past(
    settings: Settings, engine: Engine
) -> None:
    """Passports each read once (a walk through all of them, first scans) take more memory than the
    store has, yet the passports asked again stay replayed: first reads only push out first reads."""
    with Session(engine) as session:
        build_product(session)
        passports.issue(session, part_number="P-1", resolver=str(settings.resolver_url))
        passports.issue_serials(session, part_number="P-1", count=330, resolver=str(settings.resolver_url))
        uids = list(
            session.scalars(
                select(passports.PassportRecord.uid)
                .where(passports.PassportRecord.level == "item")
                .order_by(passports.PassportRecord.id)
            )
        )
        session.commit()
    app = create_app(settings.model_copy(update={"replay_max_bytes": 1024 * 1024}))
    working, once = uids[:30], uids[30:]
    with TestClient(app) as client:
        for _ in range(2):
            for uid in working:
                assert client.get(f"/api/passports/{uid}").status_code == 200
        middleware = _replay_of(app)
        before = middleware.stats()
        assert before.replayed == len(working) and before.worked_out == len(working)
        for uid in once:
            assert client.get(f"/api/passports/{uid}").status_code == 200
        streamed = middleware.stats()
        # The first reads alone were more than the store holds: some had to go.
        assert streamed.store.evicted > 0 and streamed.store.bytes <= 1024 * 1024
        assert streamed.worked_out == len(working) + len(once)
        for uid in working:
            assert client.get(f"/api/passports/{uid}").status_code == 200
        after = middleware.stats()
    app.state.engine.dispose()
    assert after.worked_out == streamed.worked_out  # none of the working set was worked out again
    assert after.replayed == before.replayed + len(working)
    assert after.store.protected_entries >= len(working)


def test_readers_who_ask_while_an_answer_is_worked_out_wait_for_it_instead_of_working_it_out_again() -> None:
    calls: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        calls.append(scope["path"])
        await asyncio.sleep(0.05)  # the other readers arrive meanwhile
        status = int(scope["path"].strip("/").split("/")[0])
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": scope["path"].encode()})
        scope[replay.SCOPE_KEY] = replay.Mark(counter="c")

    middleware = replay.Replay(app, [replay.Lane(counter="c", key=lambda scope: (scope["path"], None))])

    async def version(_engine: Any, _name: str) -> int:
        return 1

    middleware._version = version  # type: ignore[method-assign]

    async def together(path: str) -> list[tuple[int, bytes]]:
        return await asyncio.gather(*(_get(middleware, path) for _ in range(5)))

    assert asyncio.run(together("/200/a")) == [(200, b"/200/a")] * 5
    assert calls == ["/200/a"]
    stats = middleware.stats()
    assert stats.worked_out == 1 and stats.replayed == 4 and stats.store.kept == 1
    # An answer that is not kept (not a 200) leaves each waiting reader to work out its own.
    assert asyncio.run(together("/404/b")) == [(404, b"/404/b")] * 5
    assert calls.count("/404/b") == 5
