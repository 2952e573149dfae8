"""The fast read path of the PACT API and of public reads: a verified token is not re-verified but
still stops working when its partner is revoked or it expires; the access log is written in
batches and every entry reaches the table; a route that needs no database opens no connection."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.app import create_app
from keten.exchange import service
from keten.exchange.models import AccessEntry
from keten.passports import jsonld
from keten.settings import Settings
from tests.exchange.conftest import Partner, add_partner


def _partner(engine: Engine, code: str, category: str = "modules") -> Partner:
    with Session(engine, expire_on_commit=False) as session:
        partner = add_partner(session, code, {"category": category})
        session.commit()
    return partner


def _bearer(client: TestClient, partner: Partner) -> dict[str, str]:
    response = client.post(
        "/auth/token",
        data={"grant_type": "client_credentials"},
        auth=(partner.client_id, partner.secret),
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _entries(engine: Engine, action: str) -> int:
    with Session(engine) as session:
        return int(
            session.scalar(select(func.count()).select_from(AccessEntry).where(AccessEntry.action == action))
            or 0
        )


def test_a_verified_token_stops_working_when_its_partner_is_revoked(
    settings: Settings, engine: Engine, chain: list[str]
) -> None:
    partner = _partner(engine, "OEM")
    app = create_app(settings)
    with TestClient(app) as client:
        bearer = _bearer(client, partner)
        for _ in range(2):  # the second call is answered from the verified token's claims
            listed = client.get("/2/footprints", headers=bearer)
            assert listed.status_code == 200 and len(listed.json()["data"]) == 1
        with Session(engine) as session:
            service.revoke_partner(session, code="OEM")
            session.commit()
        refused = client.get("/2/footprints", headers=bearer)
        assert refused.status_code == 400
        assert refused.json() == {"code": "BadRequest", "message": "Invalid token provided"}
    app.state.engine.dispose()


def test_a_verified_token_expires_on_time(
    settings: Settings, engine: Engine, chain: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    partner = _partner(engine, "OEM")
    app = create_app(settings)
    with TestClient(app) as client:
        bearer = _bearer(client, partner)
        assert client.get("/3/footprints", headers=bearer).status_code == 200
        later = service.utc_now() + timedelta(seconds=settings.pact_token_seconds + 1)
        monkeypatch.setattr(service, "utc_now", lambda: later)
        expired = client.get("/3/footprints", headers=bearer)
        assert expired.status_code == 401
        assert expired.json()["code"] == "TokenExpired"
    app.state.engine.dispose()


def test_every_call_reaches_the_access_log_without_anyone_reading_it(
    settings: Settings, engine: Engine, chain: list[str]
) -> None:
    partner = _partner(engine, "OEM")
    app = create_app(settings)
    client = TestClient(app)
    bearer = _bearer(client, partner)
    for _ in range(5):
        assert client.get("/2/footprints", headers=bearer).status_code == 200
    app.state.engine.dispose()
    # The background writer alone writes them: nothing here flushes or reads the log.
    deadline = time.monotonic() + 60
    while _entries(engine, "list footprints") < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _entries(engine, "list footprints") == 5


def test_the_access_log_is_written_at_shutdown_and_when_read(
    settings: Settings, engine: Engine, chain: list[str]
) -> None:
    partner = _partner(engine, "OEM")
    app = create_app(settings)
    with TestClient(app) as client:
        bearer = _bearer(client, partner)
        assert client.get("/2/footprints/not-a-footprint", headers=bearer).status_code == 404
    assert _entries(engine, "get footprint") == 1

    with TestClient(app, headers={"Authorization": _viewer_token(engine)}) as client:
        bearer = _bearer(client, partner)
        client.get("/3/footprints", headers=bearer)
        log = client.get("/api/exchange/access-log", params={"partner": "OEM"}).json()
        assert [e["action"] for e in log["items"]][:2] == ["list footprints", "token"]
    app.state.engine.dispose()


def _viewer_token(engine: Engine) -> str:
    from tests.conftest import make_user

    return f"Bearer {make_user(engine, 'viewer')}"


def test_the_buffer_waits_at_most_its_delay_and_never_grows_past_its_bound(engine: Engine) -> None:
    writer = service._AccessLogWriter()
    writer.MAX_DELAY_S = 3600.0
    writer.MAX_PENDING = 3
    row: dict[str, Any] = {"at": service.utc_now(), "action": "bound", "target": "", "status": 200}
    writer.add(engine, row)
    writer.add(engine, row)
    assert _entries(engine, "bound") == 0  # queued, within its delay
    writer.add(engine, row)  # the third fills the buffer: the caller writes it
    assert _entries(engine, "bound") == 3
    writer.add(engine, row)
    writer.flush(engine)
    assert _entries(engine, "bound") == 4


def test_a_route_that_needs_no_database_opens_no_connection(
    settings: Settings, engine: Engine, chain: list[str]
) -> None:
    app = create_app(settings)
    checkouts: list[object] = []
    event.listen(app.state.engine, "checkout", lambda *args: checkouts.append(args))
    with TestClient(app) as client:
        context = client.get(jsonld.CONTEXT_PATH)
        assert context.status_code == 200
        assert context.headers["x-frame-options"] == "DENY"  # security headers are still on
        assert checkouts == []
        listed = client.get("/api/passports", headers={"Authorization": _viewer_token(engine)})
        assert listed.status_code == 200 and checkouts
    app.state.engine.dispose()
