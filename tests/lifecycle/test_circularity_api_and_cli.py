"""A product's circularity and a machine's timeline over the owner API, and ``keten lifecycle`` as a
user runs it on a SQLite file."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.passports import service as passports
from keten.passports.schemas import PassportInputData
from tests.exchange.conftest import new_database
from tests.factories import make_bom, make_composition, make_material, make_part
from tests.lifecycle.conftest import GRANTED_GTIN, build_chain, document, event, machine


def build_product(engine: Engine) -> None:
    """Store product P (20 years expected) of 2 × module A; A holds 2 kg steel, half recycled, and
    P itself 1 kg plastic, none recycled: 5 kg, 2 kg recycled."""
    with Session(engine) as s:
        steel, plastic = make_material(s, code="STEEL"), make_material(s, code="PA6", family="polymer")
        product = make_part(s, part_number="P", kind="product")
        module = make_part(s, part_number="A")
        make_bom(s, product, (module, 2.0))
        make_composition(s, part=module, material=steel, mass_kg=2.0, recycled_share=0.5)
        make_composition(s, part=product, material=plastic, mass_kg=1.0)
        passports.set_input(
            s, part_number="P", data=PassportInputData.model_validate({"expected_lifetime_years": 20})
        )
        s.commit()


def test_circularity_of_a_product_by_hand(client: TestClient, engine: Engine) -> None:
    build_product(engine)
    params = {"collected_for_recycling": 0.5, "average_lifetime_years": 10}
    answer = client.get("/api/lifecycle/products/P/circularity", params=params)
    assert answer.status_code == 200, answer.text
    found = answer.json()
    # M = 5, F_R = 2 / 5; V = 3; C_R = 0.5, E_C = E_F = 1: W = W_0 = 2.5; LFI = 5.5 / 10
    # X = 20 / 10 = 2, F(X) = 0.45; MCI = 1 − 0.55 × 0.45 = 0.7525
    assert found["mass_kg"] == pytest.approx(5.0)
    assert found["recycled_content_share"] == pytest.approx(0.4)
    assert found["recoverable_kg"] == pytest.approx(2.5)
    assert found["utility_factor"] == pytest.approx(0.45)
    assert found["mci"] == pytest.approx(0.7525)
    too_much = client.get(
        "/api/lifecycle/products/P/circularity",
        params={"collected_for_recycling": 0.7, "collected_for_reuse": 0.5},
    )
    assert too_much.status_code == 422
    assert "exceed" in too_much.json()["detail"]
    assert (
        client.get("/api/lifecycle/products/P/circularity", params={"collected_for_recycling": 2}).status_code
        == 422
    )


def test_a_machine_s_timeline_over_the_api(client: TestClient, engine: Engine) -> None:
    chain = build_chain(engine)
    doc = document(
        event(chain.granted, "installing", "2026-01-01T08:00:00Z"),
        event(chain.granted, "repairing", "2026-02-01T08:00:00Z"),
    )
    assert (
        client.post("/epcis/capture", json=doc, headers={"Content-Type": "application/json"}).status_code
        == 202
    )
    answer = client.get(f"/api/lifecycle/machines/{GRANTED_GTIN}/SN0000001")
    assert answer.status_code == 200
    assert answer.json()["lifecycle"]["status"] == "in_repair"
    assert [e["bizStep"] for e in answer.json()["events"]] == ["installing", "repairing"]
    assert client.get(f"/api/lifecycle/machines/{GRANTED_GTIN[:-1]}/SN0000001").status_code == 422


def _keten(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KETEN_DATABASE_URL": url, "COLUMNS": "200"}
    command = [sys.executable, "-c", "from keten.cli import main; main()", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)


def test_the_lifecycle_commands(tmp_path: Path) -> None:
    url, engine = new_database(tmp_path, "cli")
    build_product(engine)
    chain = build_chain(engine)
    file = tmp_path / "events.jsonld"
    file.write_text(
        json.dumps(document(event(chain.granted, "installing", "2026-01-01T08:00:00Z"))), encoding="utf-8"
    )
    captured = _keten("lifecycle", "capture", str(file), url=url)
    assert captured.returncode == 0, captured.stderr
    assert "1 events read from events.jsonld, 1 new" in captured.stdout
    again = _keten("lifecycle", "capture", str(file), url=url)
    assert "0 new" in again.stdout
    shown = _keten("lifecycle", "history", GRANTED_GTIN, "SN0000001", url=url)
    assert shown.returncode == 0, shown.stderr
    assert "status: in_use" in shown.stdout and "installing" in shown.stdout
    score = _keten(
        "lifecycle",
        "circularity",
        "P",
        "--collected-for-recycling",
        "0.5",
        "--average-lifetime",
        "10",
        url=url,
    )
    assert score.returncode == 0, score.stderr
    figure = re.search(r"MCI (\d\.\d{3})", score.stdout)
    assert figure is not None and float(figure.group(1)) == pytest.approx(0.7525, abs=0.0005)
    bad = document(event(machine(GRANTED_GTIN, "SN0000001"), "polishing"))
    file.write_text(json.dumps(bad), encoding="utf-8")
    refused = _keten("lifecycle", "capture", str(file), url=url)
    assert refused.returncode == 1
    assert "epcisBody/eventList/0/bizStep" in refused.stderr
    engine.dispose()
