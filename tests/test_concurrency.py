"""Many writers at once against a real server on loopback, on SQLite and PostgreSQL: no change is
lost, a stale If-Match gets 412, and simultaneous imports of the same part run one after the other
instead of answering 500."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy.engine import Engine

from keten.settings import Settings
from tests.conftest import make_user
from tests.exchange.conftest import live_server

WRITERS = 20


def _admin(engine: Engine, base: str) -> httpx.Client:
    return httpx.Client(
        base_url=base, headers={"Authorization": f"Bearer {make_user(engine, 'admin')}"}, timeout=120
    )


def _create_part(client: httpx.Client) -> int:
    created = client.post("/api/parts", json={"part_number": "P-1", "name": "Bolt", "kind": "component"})
    assert created.status_code == 201, created.text
    assert created.headers["ETag"] == '"1"'
    return int(created.json()["revision"])


def test_twenty_writers_lose_no_revision(settings: Settings, engine: Engine) -> None:
    with live_server(settings) as base, _admin(engine, base) as admin:
        first = _create_part(admin)
        start = threading.Barrier(WRITERS)

        def write(writer: int) -> list[int]:
            with _admin(engine, base) as client:
                start.wait()
                return [
                    client.patch(
                        "/api/parts/P-1", json={"description": f"writer {writer}, change {i}"}
                    ).status_code
                    for i in range(5)
                ]

        with ThreadPoolExecutor(WRITERS) as pool:
            statuses = Counter(s for answer in pool.map(write, range(WRITERS)) for s in answer)
        assert statuses == {200: 5 * WRITERS}
        final = admin.get("/api/parts/P-1")
        assert final.json()["revision"] == first + 5 * WRITERS
        assert final.headers["ETag"] == f'"{first + 5 * WRITERS}"'


def test_if_match_refuses_a_stale_write_even_among_simultaneous_ones(
    settings: Settings, engine: Engine
) -> None:
    with live_server(settings) as base, _admin(engine, base) as admin:
        _create_part(admin)
        changed = admin.patch("/api/parts/P-1", json={"name": "Bolt M6"}, headers={"If-Match": '"1"'})
        assert changed.status_code == 200 and changed.headers["ETag"] == '"2"'
        stale = admin.patch("/api/parts/P-1", json={"name": "Bolt M8"}, headers={"If-Match": '"1"'})
        assert stale.status_code == 412 and "revision 2" in stale.json()["detail"]
        assert admin.delete("/api/parts/P-1", headers={"If-Match": 'W/"2"'}).status_code == 412
        assert (
            admin.put(
                "/api/parts/P-9", json={"name": "x", "kind": "component"}, headers={"If-Match": '"1"'}
            ).status_code
            == 412
        )

        start = threading.Barrier(WRITERS)

        def write(writer: int) -> int:
            with _admin(engine, base) as client:
                start.wait()
                body = {"description": f"writer {writer}"}
                return client.patch("/api/parts/P-1", json=body, headers={"If-Match": '"2"'}).status_code

        with ThreadPoolExecutor(WRITERS) as pool:
            statuses = Counter(pool.map(write, range(WRITERS)))
        # Every writer saw revision 2: exactly one change is made on it, the others are told.
        assert statuses == {200: 1, 412: WRITERS - 1}
        assert admin.get("/api/parts/P-1").json()["revision"] == 3


def test_simultaneous_imports_of_the_same_part_run_one_by_one(settings: Settings, engine: Engine) -> None:
    csv = b"part_number,name,kind\nP-1,Bolt,component\nP-2,Nut,component\n"
    with live_server(settings) as base, _admin(engine, base) as admin:
        start = threading.Barrier(WRITERS)

        def upload(_: int) -> tuple[int, str]:
            with _admin(engine, base) as client:
                start.wait()
                answer = client.post("/api/imports", files=[("files", ("parts.csv", csv, "text/csv"))])
                return answer.status_code, answer.text

        with ThreadPoolExecutor(WRITERS) as pool:
            answers = list(pool.map(upload, range(WRITERS)))
        assert all(status in (200, 409) for status, _ in answers), answers
        assert sum(status == 200 for status, _ in answers) >= 1
        inserted = [text for status, text in answers if status == 200 and '"inserted":2' in text]
        assert len(inserted) == 1
        assert admin.get("/api/parts").json()["total"] == 2
