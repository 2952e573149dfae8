"""The risk API on SQLite and PostgreSQL, over the hand-checked system of test_service."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from keten.partners.models import AuditEntry
from keten.resilience.models import RiskReport, RiskScenario
from tests.resilience.test_service import build

SCENARIO = {
    "nodes": ["site:S0"],
    "start": "2026-01-05",
    "weeks": 6,
    "horizon_weeks": 8,
    "as_of": "2026-01-05",
}


@pytest.fixture
def system(engine: Engine) -> None:
    with Session(engine) as session:
        build(session)
        session.commit()


def _count(engine: Engine, table: type) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_a_viewer_computes_a_scenario_that_stores_nothing(
    client_as: Callable[[str], TestClient], system: None, engine: Engine
) -> None:
    viewer = client_as("viewer")
    answer = viewer.post("/api/risk/scenario", json=SCENARIO)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [w["revenue_lost_eur"] for w in body["weekly"]] == pytest.approx([0, 0, 0, 1000, 1000, 1000, 0, 0])
    assert body["products"][0]["stops_on"] == "2026-01-26"
    assert _count(engine, RiskScenario) == 0


def test_bad_scenarios_are_problems(client: TestClient, system: None) -> None:
    unknown = client.post("/api/risk/scenario", json={**SCENARIO, "nodes": ["site:NOPE"]})
    assert unknown.status_code == 422
    assert unknown.headers["content-type"].startswith("application/problem+json")
    assert unknown.json()["errors"][0]["node"] == "site:NOPE"
    malformed = client.post("/api/risk/scenario", json={**SCENARIO, "nodes": ["plant S0"]})
    assert malformed.status_code == 422
    assert client.post("/api/risk/scenario", json={**SCENARIO, "weeks": 0}).status_code == 422


def test_saving_and_running_a_scenario_needs_an_editor(
    client_as: Callable[[str], TestClient], system: None, engine: Engine
) -> None:
    viewer, editor = client_as("viewer"), client_as("editor")
    body = {k: v for k, v in SCENARIO.items() if k != "as_of"} | {"name": "S0 out", "nodes": ["country:NL"]}
    assert viewer.post("/api/risk/scenarios", json=body).status_code == 403
    created = editor.post("/api/risk/scenarios", json=body)
    assert created.status_code == 201, created.text
    sid = created.json()["id"]
    assert editor.post("/api/risk/scenarios", json=body).status_code == 409
    assert viewer.post(f"/api/risk/scenarios/{sid}/run", params={"as_of": "2026-01-05"}).status_code == 403
    ran = editor.post(f"/api/risk/scenarios/{sid}/run", params={"as_of": "2026-01-05"})
    assert ran.status_code == 200 and ran.json()["revenue_lost_eur"] == pytest.approx(6000.0)
    stored = viewer.get(f"/api/risk/scenarios/{sid}").json()
    assert stored["last_revenue_lost_eur"] == pytest.approx(6000.0) and stored["created_by"].startswith(
        "editor"
    )
    listed = viewer.get("/api/risk/scenarios")
    assert listed.json()["total"] == 1 and listed.headers["x-total-count"] == "1"
    with Session(engine) as session:
        actions = set(session.scalars(select(AuditEntry.action)))
    assert f"POST /api/risk/scenarios/{sid}/run" in actions
    assert editor.delete(f"/api/risk/scenarios/{sid}").status_code == 204
    assert viewer.get(f"/api/risk/scenarios/{sid}").status_code == 404


def test_concentration_is_paginated(client: TestClient, system: None) -> None:
    first = client.get("/api/risk/concentration", params={"limit": 1})
    assert first.status_code == 200
    assert first.json()["total"] == 2 and len(first.json()["items"]) == 1
    assert 'rel="next"' in first.headers["link"]
    single = client.get("/api/risk/concentration", params={"single": "source"}).json()
    assert {i["part_number"] for i in single["items"]} == {"C2", "C3"}
    assert client.get("/api/risk/concentration", params={"single": "colour"}).status_code == 422


def test_critical_exposure_countries_and_mitigations(client: TestClient, system: None) -> None:
    ranked = client.get("/api/risk/critical", params={"kind": ["site", "supplier"], "weeks": 6}).json()
    assert ranked["items"][0]["revenue_at_risk_eur"] == pytest.approx(6000.0)
    assert [i["rank"] for i in ranked["items"]] == list(range(1, ranked["total"] + 1))
    assert client.get("/api/risk/critical", params={"kind": "planet"}).status_code == 422
    sites = client.get("/api/risk/exposure", params={"kind": "site", "exposed_only": True}).json()
    assert {i["node"] for i in sites["items"]} == {"site:S0", "site:S1"}
    countries = {c["country"]: c for c in client.get("/api/risk/countries").json()}
    assert countries["NL"]["sites"] == 2 and countries["NL"]["spend_eur_per_week"] == pytest.approx(120.0)
    options = client.get("/api/risk/mitigations", params={"node": "site:S1", "weeks": 6}).json()["options"]
    assert options[0]["parts"][0]["extra_units"] == pytest.approx(60.0)
    assert client.get("/api/risk/mitigations", params={"node": "site:NOPE"}).status_code == 422


def test_crm_of_a_product_and_the_list(client: TestClient, system: None) -> None:
    crm = client.get("/api/risk/products/P/crm").json()
    assert {m["code"]: m["kg_per_unit"] for m in crm["materials"]} == pytest.approx({"Nd": 0.2, "Ga": 0.2})
    assert client.get("/api/risk/products/NOPE/crm").status_code == 404
    listed = client.get("/api/risk/crm").json()
    assert len(listed) == 34 and sum(m["strategic"] for m in listed) == 18
    assert all(m["source"] and m["licence"] for m in listed)
    materials = {m["code"]: m for m in client.get("/api/risk/materials").json()}
    # Ga: 0.2 kg in each of the 10 C3 used a week, all from supplier B
    assert materials["Ga"]["kg_per_week"] == pytest.approx(2.0) and materials["Ga"]["hhi_supplier"] == 1.0


def test_a_report_is_stored_with_its_fingerprint_and_served_as_html_and_pdf(
    client_as: Callable[[str], TestClient], system: None, engine: Engine
) -> None:
    viewer, editor = client_as("viewer"), client_as("editor")
    assert viewer.post("/api/risk/reports", json={}).status_code == 403
    created = editor.post("/api/risk/reports", json={"as_of": "2026-01-05", "weeks": 6})
    assert created.status_code == 201, created.text
    report = created.json()
    assert len(report["fingerprint"]) == 32 and report["inputs"]["weeks"] == 6
    html = viewer.get(f"/api/risk/reports/{report['id']}.html")
    assert html.headers["content-type"].startswith("text/html")
    assert "5 Jan 2026" in html.text and report["fingerprint"] in html.text and "Gallium" in html.text
    pdf = viewer.get(f"/api/risk/reports/{report['id']}.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(pdf.content)).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).split())
    assert "Supply-chain risk assessment" in text and report["fingerprint"] in text
    # the strategic materials of the product, their supplier and the scenario of the ranking
    assert "Light rare earth elements" in text and "Gallium" in text and "C3 (B NL)" in text
    assert viewer.get("/api/risk/reports").json()["total"] == 1 == _count(engine, RiskReport)
    assert viewer.get("/api/risk/reports/999.pdf").status_code == 404


def test_the_api_is_documented(client: TestClient) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ("/api/risk/scenario", "/api/risk/critical", "/api/risk/reports/{report_id}.pdf"):
        assert path in paths
    assert "application/problem+json" in str(paths["/api/risk/scenario"]["post"]["responses"]["422"])
