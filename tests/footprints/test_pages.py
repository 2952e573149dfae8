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
    assert 'data-testid="total"' in page.text and "389.9" in page.text
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
    assert 'data-testid="delta"' in fragment.text and "-6.0" in fragment.text
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
    assert 'data-testid="factor-sets"' in before.text
    page_client.post("/footprints/P/calculate", follow_redirects=False)
    page_client.post("/footprints/P/calculate", follow_redirects=False)
    with Session(engine) as session:
        runs = session.scalars(select(FootprintRun).order_by(FootprintRun.id)).all()
    assert len(runs) == 2
    after = page_client.get("/footprints")
    assert "No stored footprint yet." not in after.text and "389.9" in after.text
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
    low, high = (
        float(x.replace("\u2009", "").replace(",", ""))
        for x in page_client.get("/footprints/P/uncertainty", params={"short": "true"})
        .text.strip()
        .split(" – ")
    )
    assert low < 389.9 < high
