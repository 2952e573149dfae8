"""The sources' status through the API and the page, in English and Dutch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from keten.connector.models import ConnectorSource
from keten.connector.recording import Reading, Recorder

from .conftest import mqtt_config


def _report(session: Session, prefix: str) -> None:
    recorder = Recorder(mqtt_config(prefix))
    recorder.start(session)
    recorder.connected("broker", True)
    recorder.add("broker", Reading("P1", "energy_kwh", 1_000, value=12.5))
    recorder.add("broker", Reading("P1", "order_id", 1_000, text="ORD-9"))
    recorder.error("broker", "malformed", "p1/state: state value 'WARP' is not in the map", equipment="P1")
    recorder.flush(session)
    session.commit()


def test_sources_events_and_series_through_the_api(client: TestClient, session: Session, prefix: str) -> None:
    _report(session, prefix)
    [source] = client.get("/api/connector/sources").json()
    assert source["connected"] is True and source["samples"] == 2 and source["errors"] == 1
    assert source["last_values"]["P1"]["energy_kwh"] == [12.5, 1000]
    assert source["lag_s"] > 0
    kinds = [e["kind"] for e in client.get("/api/connector/events").json()]
    assert "malformed" in kinds and "connected" in kinds
    series = client.get("/api/connector/equipment/P1/series", params={"signal": "order_id"}).json()
    assert series["texts"] == ["ORD-9"] and series["ts_ms"] == [1000]
    wrong = client.get("/api/connector/equipment/P1/series", params={"signal": "torque"})
    assert wrong.status_code == 422 and wrong.headers["content-type"] == "application/problem+json"
    assert client.get("/api/connector/equipment/NOPE/series", params={"signal": "state"}).status_code == 404
    # a connector that stopped reporting is not connected, whatever it last said
    session.execute(update(ConnectorSource).values(updated_at=datetime.now(UTC) - timedelta(minutes=5)))
    session.commit()
    assert client.get("/api/connector/sources").json()[0]["connected"] is False


def test_the_status_page_in_english_and_dutch(client: TestClient, session: Session, prefix: str) -> None:
    _report(session, prefix)
    english = client.get("/connector")
    assert english.status_code == 200
    assert "Factory connector" in english.text and 'data-testid="connected"' in english.text
    assert "WARP" in english.text and "ORD-9" in english.text
    client.cookies.set("keten_lang", "nl")
    dutch = client.get("/connector")
    assert (
        "Fabrieksconnector" in dutch.text and "verbonden" in dutch.text and "onleesbaar bericht" in dutch.text
    )
