"""The demo's PACT customer: loaded once, granted WS-1000's published footprint, with one incoming
request that can be fulfilled at once, and printed credentials that work against the PACT API."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.app import create_app
from keten.dataio import demo
from keten.exchange import client as exchange_client
from keten.exchange import service as exchange
from keten.exchange.models import ExchangePartner, FootprintRequest, Grant, PublishedFootprint
from keten.settings import Settings


def test_the_demo_customer_is_loaded_once_and_its_printed_credentials_work(
    settings: Settings, engine: Engine
) -> None:
    for _ in range(2):
        with Session(engine) as session:
            demo.load(session, passports=True)
            demo.load_exchange(session)
            session.commit()
    with Session(engine, expire_on_commit=False) as session:
        for table in (ExchangePartner, Grant, PublishedFootprint, FootprintRequest):
            assert session.scalar(select(func.count()).select_from(table)) == 1, table.__name__
        request = session.scalars(select(FootprintRequest)).one()
        assert request.direction == "incoming" and request.status == "pending"
        assert request.product_ids == ["urn:pathfinder:product:customcode:vendor-assigned:WS-1100"]
        client_id, secret = demo.pact_credentials(session)
        # The demo customer has no PACT API of its own: fulfilling grants, and says it notified nobody.
        done = exchange_client.fulfil(session, request_id=request.id, part_number="WS-1100", source="demo")
        assert done.status == "fulfilled" and done.reason.startswith("not notified")
        counts_from = exchange.issued_since(exchange.get_partner(session, code=demo.DEMO_PARTNER))
        session.commit()
    lines = demo.welcome_lines("127.0.0.1", 8000, "pw", (client_id, secret))
    assert any(f"curl -u {client_id}:{secret}" in line for line in lines)
    # A new secret counts from the next whole second (tokens carry whole seconds), as it would for
    # a user who copies the printed curl line.
    while exchange.utc_now().timestamp() < counts_from:
        time.sleep(0.05)

    app = create_app(settings)
    try:
        with TestClient(app) as client:
            token = client.post(
                "/auth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
            )
            assert token.status_code == 200, token.text
            listed = client.get(
                "/2/footprints", headers={"Authorization": f"Bearer {token.json()['access_token']}"}
            )
            assert listed.status_code == 200
            assert sorted(pf["productIds"][0].rsplit(":", 1)[-1] for pf in listed.json()["data"]) == [
                "WS-1000",
                "WS-1100",
            ]
    finally:
        # Disposed even when an assertion fails: a connection left open would be reported as a
        # ResourceWarning in whichever test runs when it is collected.
        app.state.engine.dispose()
