"""The footprint page and its what-if fragment, over the hand-checked system of test_service."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from keten.footprints import pages
from keten.footprints.models import Activity, FootprintRun
from tests.footprints.test_service import build


@pytest.fixture
def page_client(client: TestClient, engine: Engine) -> TestClient:
    with Session(engine) as session:
        build(session)
        session.commit()
    return client


def test_the_page_shows_the_footprint_hotspots_and_stored_result(
    page_client: TestClient, engine: Engine
) -> None:
    page = page_client.get("/footprints/P")
    assert page.status_code == 200, page.text
    # 389.9 kg to three significant figures: no digit is shown that is not known.
    assert 'data-testid="total" id="now-total">390<' in page.text
    assert 'data-testid="hotspots"' in page.text and "No stored footprint yet." in page.text
    stored = page_client.post("/footprints/P/calculate", follow_redirects=False)
    assert stored.status_code == 303
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(FootprintRun)) == 1
    assert "PACT JSON" in page_client.get("/footprints/P").text
    assert page_client.get("/footprints/NOPE").status_code == 404


def test_what_if_fragment_shows_the_difference(page_client: TestClient, engine: Engine) -> None:
    fragment = page_client.get(
        "/footprints/P/what-if", params={"change": "site", "site": "FAB-NL", "value": 0}
    )
    assert fragment.status_code == 200
    assert 'data-testid="delta">-6 kg CO2e' in fragment.text
    bad = page_client.get("/footprints/P/what-if", params={"change": "material", "old": "AL", "new": "XX"})
    assert "no material" in bad.text
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(FootprintRun)) == 0


def test_missing_factors_are_listed_on_the_page(page_client: TestClient, engine: Engine) -> None:
    with Session(engine) as session:
        part = session.scalar(select(Activity.part_id).where(Activity.kind == "electricity"))
        session.add(Activity(part_id=part, kind="gas", code="UNKNOWN-GAS", amount=1.0))
        session.commit()
    page = page_client.get("/footprints/P")
    assert 'data-testid="missing-factors"' in page.text and "UNKNOWN-GAS" in page.text


def test_the_list_shows_each_product_with_its_latest_stored_footprint(
    page_client: TestClient, engine: Engine
) -> None:
    before = page_client.get("/footprints")
    assert before.status_code == 200, before.text
    assert 'href="/footprints/P"' in before.text and "No stored footprint yet." in before.text
    # A product without a footprint offers to calculate it, there and then.
    assert 'action="/footprints/P/calculate"' in before.text and 'data-testid="calculate-P"' in before.text
    assert 'data-testid="factor-sets"' in before.text
    page_client.post("/footprints/P/calculate", follow_redirects=False)
    page_client.post("/footprints/P/calculate", follow_redirects=False)
    with Session(engine) as session:
        runs = session.scalars(select(FootprintRun).order_by(FootprintRun.id)).all()
    assert len(runs) == 2
    after = page_client.get("/footprints")
    assert "No stored footprint yet." not in after.text and ">390<" in after.text
    # Only the latest run of a product is listed, once.
    assert after.text.count('href="/footprints/P"') == 1


def test_the_part_page_links_to_its_footprint(page_client: TestClient) -> None:
    page = page_client.get("/parts/P")
    assert page.status_code == 200 and 'href="/footprints/P"' in page.text


def test_every_stage_label_has_a_dutch_translation() -> None:
    from keten.ui.i18n import NL

    assert set(pages.STAGE_LABELS) == {*pages.STAGE_NAMES, "cradle_to_gate", "total"}
    assert [label for label in pages.STAGE_LABELS.values() if label not in NL] == []


def test_the_gate_waterfall_ends_in_the_sum_of_its_stages() -> None:
    bars = pages.waterfall(
        {"materials": 3.0, "transport": 1.0, "use": 50.0}, pages.GATE_NAMES, "cradle_to_gate"
    )
    assert [t["value"] for t in bars["ticks"]] == [0.0, 1.0, 2.0, 3.0, 4.0]  # the axis, in kg CO2e
    bars = bars["bars"]
    assert [b["name"] for b in bars] == [*pages.GATE_NAMES, "cradle_to_gate"]
    assert bars[-1]["value"] == 4.0 and bars[-1]["total"]
    # Each bar starts where the previous ended: transport sits on top of materials.
    transport = bars[pages.GATE_NAMES.index("transport")]
    assert transport["y"] + transport["h"] == pytest.approx(bars[0]["y"])


def test_the_uncertainty_loads_after_the_page_and_brackets_the_total(page_client: TestClient) -> None:
    page = page_client.get("/footprints/P")
    assert 'hx-get="/footprints/P/uncertainty"' in page.text and "Monte Carlo" not in page.text
    full = page_client.get("/footprints/P/uncertainty")
    assert full.status_code == 200 and "Monte Carlo iterations" in full.text
    short = page_client.get("/footprints/P/uncertainty", params={"short": "true"}).text
    low, high = (float(x.replace("\u202f", "")) for x in short.split("<span")[0].strip().split(" – "))
    assert low < 389.9 < high
    # The total on the page is replaced by one rounded to what the spread leaves known.
    assert 'id="now-total" hx-swap-oob="true"' in short


def test_an_axis_has_round_ticks_up_to_its_top() -> None:
    assert pages.axis_ticks(19_870) == [0, 5_000, 10_000, 15_000, 20_000]
    assert pages.axis_ticks(1_717_841) == [0, 500_000, 1_000_000, 1_500_000, 2_000_000]
    assert pages.axis_ticks(0) == [0.0]


def test_hotspots_and_breakdowns_share_out_cradle_to_gate_apart_from_the_use_phase(
    page_client: TestClient, engine: Engine
) -> None:
    from keten.footprints import service

    with Session(engine) as session:
        items = service.breakdown(session, part_number="P", by="stage")["items"]
        stages = {i["key"]: i["kg_co2e"] for i in items}
        gate = sum(stages[name] for name in pages.GATE_NAMES)
        hot = service.hotspots(session, part_number="P", top=50, gate=True)
        by_supplier = service.breakdown(session, part_number="P", by="supplier", gate=True)
    assert by_supplier["total_kg_co2e"] == pytest.approx(gate)
    assert sum(i["share"] for i in by_supplier["items"]) == pytest.approx(1.0)
    assert sum(h["kg_co2e"] for h in hot) == pytest.approx(gate)
    assert all(h["stage"] not in ("use", "end_of_life") for h in hot)
    api = page_client.get("/api/footprints/P/hotspots", params={"gate": "true", "top": 50}).json()
    assert [h["share"] for h in api] == pytest.approx([h["share"] for h in hot])


def test_treemap_tiles_carry_their_name_and_value(page_client: TestClient) -> None:
    page = page_client.get("/footprints/P")
    assert 'data-testid="tile-label"' in page.text and 'data-testid="tile-value"' in page.text
    assert 'data-testid="axis-title">kg CO2e<' in page.text
