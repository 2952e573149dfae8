"""The footprints JSON API on SQLite and PostgreSQL, over the hand-checked system of test_service."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from keten.footprints.models import Activity, FootprintRun
from tests.footprints.test_service import GATE, TOTAL, build


@pytest.fixture
def system(engine: Engine) -> None:
    with Session(engine) as session:
        build(session)
        session.commit()


def _runs(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(FootprintRun)) or 0)


AT = {"at": "2026-06-01"}


def test_calculate_then_read_the_latest(client: TestClient, system: None) -> None:
    assert client.get("/api/footprints/P").status_code == 404
    created = client.post("/api/footprints/P/calculate", params=AT)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["total_kg_co2e"] == pytest.approx(TOTAL, rel=1e-12)
    assert body["cradle_to_gate_kg_co2e"] == pytest.approx(GATE, rel=1e-12)
    assert body["factor_set"] == "hand" and body["factor_set_version"] == "1"
    assert len(body["input_revisions"]) == 64
    latest = client.get("/api/footprints/P").json()
    assert latest["id"] == body["id"] and latest["by_stage"] == body["by_stage"]


def test_missing_factors_are_one_problem_listing_every_part(
    client: TestClient, system: None, engine: Engine
) -> None:
    with Session(engine) as session:
        a = session.scalar(select(Activity.part_id).where(Activity.kind == "electricity"))
        assert a is not None
        session.add_all(
            [
                Activity(part_id=a, kind="electricity", code="XX", amount=1.0),
                Activity(part_id=a, kind="gas", code="NOT-A-GAS", amount=1.0),
            ]
        )
        session.commit()
    answer = client.post("/api/footprints/P/calculate", params=AT)
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["title"] == "Missing emission factors"
    messages = [e["message"] for e in problem["errors"]]
    assert any("XX" in m for m in messages) and any("NOT-A-GAS" in m for m in messages)
    assert {e["part"] for e in problem["errors"]} == {"A"}
    assert _runs(engine) == 0


def test_breakdowns_hotspots_and_uncertainty(client: TestClient, system: None) -> None:
    stages = client.get("/api/footprints/P/breakdown", params={"by": "stage", **AT}).json()
    assert sum(i["kg_co2e"] for i in stages["items"]) == pytest.approx(TOTAL, rel=1e-12)
    countries = client.get("/api/footprints/P/breakdown", params={"by": "country", **AT}).json()
    keys = {i["key"]: i["kg_co2e"] for i in countries["items"]}
    assert keys["DE"] == pytest.approx(5.02 + 13.2, rel=1e-12)
    assert client.get("/api/footprints/P/breakdown", params={"by": "colour"}).status_code == 422
    hot = client.get("/api/footprints/P/hotspots", params={"top": 2, **AT}).json()
    assert [h["part_number"] for h in hot] == ["P", "B"]
    assert hot[1]["stage"] == "materials"
    mc = client.get("/api/footprints/P/uncertainty", params={"iterations": 200, "seed": 3, **AT}).json()
    assert mc["iterations"] == 200 and mc["p5"] < mc["p50"] < mc["p95"]


def test_what_if_answers_without_storing(client: TestClient, system: None, engine: Engine) -> None:
    answer = client.post(
        "/api/footprints/P/what-if",
        params=AT,
        json={"site_electricity": {"site": "FAB-NL", "kg_co2e_per_kwh": 0.0}},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["delta_kg_co2e"] == pytest.approx(-6.0, rel=1e-12)
    assert _runs(engine) == 0
    bad = client.post("/api/footprints/P/what-if", json={"material": {"old": "AL", "new": "UNOBTAINIUM"}})
    assert bad.status_code == 422


def test_pact_and_idta_exports(client: TestClient, system: None) -> None:
    assert client.get("/api/footprints/P/pact").status_code == 404
    client.post("/api/footprints/P/calculate", params=AT)
    pact = client.get("/api/footprints/P/pact", params={"company_name": "Test B.V."}).json()
    for field in ("id", "specVersion", "version", "created", "status", "companyName", "companyIds"):
        assert field in pact
    assert pact["status"] == "Active" and pact["companyName"] == "Test B.V."
    assert pact["created"].endswith("Z")
    assert float(pact["pcf"]["pCfIncludingBiogenic"]) == pytest.approx(GATE / 100.0, abs=1e-6)
    idta = client.get("/api/footprints/P/idta").json()
    assert idta["modelType"] == "Submodel" and idta["idShort"] == "CarbonFootprint"


def test_factor_sets_list_and_load(client: TestClient, system: None) -> None:
    listed = client.get("/api/factor-sets").json()
    assert [(s["name"], s["factors"], s["is_default"]) for s in listed] == [("hand", 6, True)]
    csv = "kind,code,unit,kg_co2e_per_unit\nelectricity,NL,kWh,0.05\n"
    created = client.post("/api/factor-sets", json={"name": "green", "version": "2026", "csv": csv})
    assert created.status_code == 201, created.text
    assert created.json()["factors"] == 1 and not created.json()["is_default"]
    again = client.post("/api/factor-sets", json={"name": "green", "version": "2026", "csv": csv})
    assert again.status_code == 409


ACTIVITIES = """part_number,kind,code,site,amount,primary_share
A,electricity,,FAB-NL,20,1
P,use,10:2026,,100,
P,installed_base,NL,,1,
"""


def test_activities_csv_replaces_the_named_parts_rows(
    client: TestClient, system: None, engine: Engine
) -> None:
    loaded = client.post("/api/footprint-activities", json={"csv": ACTIVITIES})
    assert loaded.status_code == 200, loaded.text
    assert loaded.json() == {"rows": 1}
    with Session(engine) as session:
        amounts = sorted(a.amount for a in session.scalars(select(Activity)))
    # A's 10 kWh became 20; C's transport and P's SF6 rows went, since P and A were named.
    assert amounts == [0.2, 20.0]
    body = client.post("/api/footprints/P/calculate", params=AT).json()
    # 100 kWh a year for 10 years, all in NL at 0.3; A's electricity 2 x 20 kWh x 0.3.
    assert body["by_stage"]["use"] == pytest.approx(300.0, rel=1e-12)
    assert body["by_stage"]["manufacturing_energy"] == pytest.approx(12.0, rel=1e-12)


def test_bad_activities_are_named_by_row_and_column_and_nothing_is_written(
    client: TestClient, system: None, engine: Engine
) -> None:
    bad = """part_number,kind,code,site,amount,primary_share
A,electricity,,FAB-NL,ten,1
NOPE,fuel,diesel,,1,0
A,teleport,,,1,0
A,electricity,,NO-SITE,1,0
A,fuel,diesel,,1,1.5
P,installed_base,NL,,1,
P,use,twenty,,100,
"""
    answer = client.post("/api/footprint-activities", json={"csv": bad})
    assert answer.status_code == 422
    errors = answer.json()["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [
        (2, "amount"),
        (3, "part_number"),
        (4, "kind"),
        (5, "site"),
        (6, "primary_share"),
        (7, "kind"),
        (8, "code"),
    ]
    assert "ten" in errors[0]["message"] and "teleport" in errors[2]["message"]
    with Session(engine) as session:
        assert sorted(a.amount for a in session.scalars(select(Activity))) == [0.0001, 0.2, 10.0]
    shares = "part_number,kind,code,site,amount\nP,use,10:2026,,100\nP,installed_base,NL,,0.6\n"
    unbalanced = client.post("/api/footprint-activities", json={"csv": shares})
    assert unbalanced.status_code == 422 and "sum to 0.6" in unbalanced.json()["errors"][0]["message"]
    missing = client.post("/api/footprint-activities", json={"csv": "part_number,kind\nA,fuel\n"})
    assert missing.status_code == 422 and "amount" in missing.json()["detail"]


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("/api/footprint-activities", 'part_number,kind,amount\nA,"fuel\n'),
        ("/api/footprint-activities", 'part_number,kind,amount\nA,"fuel"x,1\n'),
        ("/api/factor-sets", 'kind,code,unit,kg_co2e_per_unit\nmaterial,"AL\n'),
    ],
)
def test_csv_that_is_not_csv_is_a_422_naming_the_line_and_nothing_is_written(
    client: TestClient, system: None, engine: Engine, path: str, text: str
) -> None:
    body = {"csv": text, "name": "broken", "version": "1"} if "factor" in path else {"csv": text}
    answer = client.post(path, json=body)
    assert answer.status_code == 422, answer.text
    assert "line" in answer.json()["detail"] and "CSV" in answer.json()["detail"]
    with Session(engine) as session:
        assert sorted(a.amount for a in session.scalars(select(Activity))) == [0.0001, 0.2, 10.0]


def test_a_lone_carriage_return_ends_a_row_of_an_activities_csv(
    client: TestClient, system: None, engine: Engine
) -> None:
    text = "part_number,kind,code,site,amount,primary_share\rA,fuel,diesel,,3,1\r"
    answer = client.post("/api/footprint-activities", json={"csv": text})
    assert answer.status_code == 200, answer.text
    assert answer.json()["rows"] == 1
