"""Numbers beyond any real value chain: refused at the door (API, import), and a stored one from
before the bounds cannot break the analyses (they used to ask numpy for petabytes)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from keten.dataio import service as dataio
from keten.partners.models import Sourcing
from keten.problems import Problem
from keten.ranges import LEAD_TIME_DAYS_MAX
from tests.resilience.test_service import build


@pytest.fixture
def system(engine: Engine) -> None:
    with Session(engine) as session:
        build(session)
        session.commit()


@pytest.mark.parametrize("lead", [LEAD_TIME_DAYS_MAX + 1, 10**13, 5.99e21])
def test_the_api_refuses_a_lead_time_beyond_ten_years(client: TestClient, system: None, lead: float) -> None:
    body = {"part_number": "C3", "site": "S0", "share": 0.0, "lead_time_days": lead}
    response = client.post("/api/sourcing", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["location"].endswith("lead_time_days")
    fits = client.post("/api/sourcing", json={**body, "lead_time_days": LEAD_TIME_DAYS_MAX})
    assert fits.status_code == 201, fits.text


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/parts", {"part_number": "X", "name": "x", "kind": "component", "mass_kg": 1e7}),
        ("/api/parts", {"part_number": "X", "name": "x", "kind": "product", "revenue_per_unit_eur": 1e11}),
        ("/api/sourcing", {"part_number": "C3", "site": "S0", "lead_time_days": 1, "price_eur": 1e10}),
    ],
)
def test_the_api_refuses_other_numbers_out_of_range(
    client: TestClient, system: None, path: str, body: dict[str, object]
) -> None:
    assert client.post(path, json=body).status_code == 422
    assert client.put("/api/stock/C3", json={"on_hand": 1e13}).status_code == 422
    assert client.put("/api/parts/P/bom", json=[{"child": "C3", "quantity": 1e10}]).status_code == 422


def test_the_import_refuses_numbers_out_of_range(engine: Engine, system: None, tmp_path: Path) -> None:
    files = {
        "sourcing.csv": "part_number,site,share,lead_time_days\nC3,S0,0,10000000000000\n",
        "stock.csv": "part_number,on_hand\nC3,1e13\n",
        "parts.csv": "part_number,name,kind,mass\nX,x,component,2000 t\n",
        "bom.csv": "parent,child,quantity\nP,C2,5e9\n",
    }
    for name, text in files.items():
        with Session(engine) as session, pytest.raises(Problem) as caught:
            dataio.import_tables(session, dataio.read_file(name, text.encode()))
        error = caught.value.errors[0]
        assert error["row"] == 2 and "above" in error["message"], (name, error)


def test_a_stored_lead_time_beyond_the_range_does_not_break_the_analyses(
    client: TestClient, system: None, engine: Engine
) -> None:
    # As written before the bound existed (2e9 days still fits PostgreSQL's integer column).
    with Session(engine) as session:
        session.execute(update(Sourcing).values(lead_time_days=2_000_000_000))
        session.commit()
    exposure = client.get("/api/risk/exposure", params={"kind": "site"})
    assert exposure.status_code == 200, exposure.text
    assert max(i["ttr_weeks"] for i in exposure.json()["items"]) == pytest.approx(3650 / 7)
    mitigations = client.get("/api/risk/mitigations", params={"node": "site:S1"})
    assert mitigations.status_code == 200, mitigations.text
    report = client.post("/api/risk/reports", json={"as_of": "2026-01-05"})
    assert report.status_code == 201, report.text
