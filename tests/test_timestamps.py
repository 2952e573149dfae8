"""Every moment the API sends is aware UTC in one form, fresh or stored, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.catalog.models import Part

RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$")


def test_fresh_and_stored_moments_have_the_same_utc_form(client: TestClient, engine: Engine) -> None:
    fresh = client.post("/api/parts", json={"part_number": "P-1", "name": "Bolt", "kind": "component"}).json()
    stored = client.get("/api/parts/P-1").json()
    listed = client.get("/api/parts").json()["items"][0]
    for body in (fresh, stored, listed):
        assert RFC3339_UTC.match(body["created_at"]) and RFC3339_UTC.match(body["updated_at"]), body
    assert stored["created_at"] == fresh["created_at"]

    csv = b"part_number,name,kind\nP-2,Nut,component\n"
    assert client.post("/api/imports", files=[("files", ("parts.csv", csv, "text/csv"))]).status_code == 200
    run = client.get("/api/imports").json()[0]
    assert RFC3339_UTC.match(run["started_at"]) and RFC3339_UTC.match(run["finished_at"])

    with Session(engine) as session:
        moment = session.scalars(select(Part.created_at)).first()
    assert moment is not None and moment.utcoffset() is not None and moment.utcoffset().total_seconds() == 0


def test_the_openapi_calls_them_date_time(client: TestClient) -> None:
    schema = client.get("/api/openapi.json").json()["components"]["schemas"]["PartRead"]["properties"]
    assert schema["created_at"] == {"type": "string", "format": "date-time", "title": "Created At"}
