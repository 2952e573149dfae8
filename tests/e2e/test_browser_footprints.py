"""The footprint pages in a real browser, on the demo value chain: a sustainability engineer finds
the wafer stage's footprint from the list, stores it, reads the breakdowns and tries a what-if that
stores nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from keten.dataio import demo
from keten.db import make_engine
from keten.footprints.models import FootprintRun
from keten.migrate import upgrade
from keten.partners import auth
from tests.e2e.test_browser import PASSWORD, _page, _shot, _sign_in, serve_keten

PRODUCT = "WS-1000"


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """Yield (base URL, database URL) of a keten server on the demo value chain."""
    folder = tmp_path_factory.mktemp("e2e-footprints")
    url = f"sqlite:///{folder / 'keten.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        demo.load(session)
        auth.create_user(session, username="erin", password=PASSWORD, role="editor")
        session.commit()
    engine.dispose()
    with serve_keten(url, folder) as base:
        yield base, url


def _number(text: str) -> float:
    """Return the number an English page shows, written with narrow spaces between thousands."""
    return float(text.split(" kg")[0].replace("\u202f", "").strip())


def _runs(url: str) -> int:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return int(session.scalar(select(func.count()).select_from(FootprintRun)) or 0)
    finally:
        engine.dispose()


def test_an_engineer_stores_reads_and_questions_a_footprint(
    demo_server: tuple[str, str],
    browser: Browser,
) -> None:
    base, url = demo_server
    problems: list[str] = []
    page = _page(browser, problems)
    _sign_in(page, base, "erin")

    page.locator("nav.mainnav").get_by_role("link", name="Footprints", exact=True).click()
    table = page.get_by_test_id("footprints-table")
    expect(table).to_contain_text(PRODUCT)
    expect(page.get_by_test_id("factor-sets")).to_contain_text("keten-demo")
    table.get_by_role("link", name=PRODUCT).click()
    expect(page).to_have_url(f"{base}/footprints/{PRODUCT}")

    total = _number(page.get_by_test_id("total").inner_text())
    assert total > 0
    expect(page.get_by_test_id("hotspots").locator("tbody tr").first).to_be_visible()
    assert page.locator("#treemap svg rect").count() >= 2
    assert page.locator("#waterfall svg rect").count() >= 3
    assert _runs(url) == 0

    page.get_by_role("button", name="Calculate and store").click()
    expect(page.get_by_test_id("stored").locator("dl")).to_be_visible()
    assert _runs(url) == 1
    _shot(page, "footprint")

    # Green power at the final-assembly site lowers the footprint, and nothing is stored.
    what_if = page.locator("#what-if form").first
    what_if.get_by_label("Site").select_option("BPS-2")
    what_if.get_by_label("kg CO2e per kWh").fill("0")
    what_if.get_by_role("button", name="Green electricity").click()
    delta = page.get_by_test_id("what-if-result").get_by_test_id("delta")
    expect(delta).to_be_visible()
    assert _number(delta.inner_text()) < 0
    _shot(page, "footprint-what-if")
    assert _runs(url) == 1

    page.locator("nav.mainnav").get_by_role("link", name="Footprints", exact=True).click()
    row = page.get_by_test_id("footprints-table").locator("tr", has_text=PRODUCT)
    expect(row).not_to_contain_text("No stored footprint yet.")
    expect(row).to_contain_text("%")
    _shot(page, "footprints")
    assert problems == [], problems
