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
    # The shell mounts domain pages in keten.web.install; mounting here keeps the test independent.
    client.app.include_router(pages.router)  # type: ignore[attr-defined]
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
