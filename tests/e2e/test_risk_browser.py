"""The risk pages in a real browser on the demo value chain: the exposure map, the critical-node
table with its mitigations, a scenario computed in the builder with its week-by-week chart, the
critical raw materials of a product, and the same in Dutch. Screenshots go to
test-artifacts/screenshots."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy.orm import Session

from keten.dataio import demo
from keten.db import make_engine
from keten.migrate import upgrade
from keten.partners import auth
from tests.e2e.test_browser import PASSWORD, _nav, _page, _shot, serve_keten


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Yield the base URL of a keten server on the demo value chain in its own SQLite database."""
    folder = tmp_path_factory.mktemp("e2e-risk")
    url = f"sqlite:///{folder / 'keten.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        demo.load(session)
        auth.create_user(session, username="erin", password=PASSWORD, role="editor")
        session.commit()
    engine.dispose()
    with serve_keten(url, folder) as base:
        yield base


def test_risk_pages_on_the_demo(demo_server: str, browser: Browser) -> None:
    base = demo_server
    problems: list[str] = []
    page = _page(browser, problems)
    page.goto(f"{base}/signin")
    page.get_by_label("Username").fill("erin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/")

    _nav(page, "Risk").click()
    expect(page.get_by_role("heading", name="Supply-chain risk")).to_be_visible()
    expect(page.locator('[data-testid="exposure-map"][data-ready="true"]')).to_be_visible(timeout=20_000)
    expect(page.get_by_test_id("country-table")).to_contain_text("Japan")
    _shot(page, "risk-overview")

    page.get_by_role("link", name="Critical nodes").first.click()
    table = page.get_by_test_id("critical-table")
    expect(table).to_be_visible()
    assert table.locator("tbody tr").count() == 25
    table.get_by_test_id("mitigate").first.click()
    expect(page.get_by_test_id("mitigation-options")).to_contain_text("Extra safety stock")
    _shot(page, "risk-critical")
    page.get_by_role("link", name="Next").click()
    expect(page.get_by_test_id("critical-table").locator("tbody tr").first).to_contain_text("26")

    page.goto(f"{base}/risk/scenario")
    # The nodes are found by typing, not by scrolling through every code.
    nodes = page.get_by_test_id("scenario-nodes")
    page.get_by_test_id("scenario-search").fill("china")
    expect(nodes.locator('input[value="supplier:HOKU-MAG"]')).to_be_hidden()
    nodes.locator('input[value="country:CN"]').check()
    page.get_by_test_id("scenario-search").fill("hoku")
    nodes.locator('input[value="supplier:HOKU-MAG"]').check()
    expect(nodes.locator('input[value="country:CN"]')).to_be_visible()  # chosen ones stay in view
    expect(page.get_by_test_id("scenario-chosen-count")).to_contain_text("2")
    start = (datetime.now(UTC).date() + timedelta(days=14)).isoformat()
    page.get_by_test_id("scenario-start").fill(start)
    page.get_by_test_id("scenario-weeks").fill("10")
    page.get_by_test_id("scenario-run").click()
    expect(page.locator('[data-testid="impact-chart"][data-ready="true"]')).to_be_visible(timeout=20_000)
    expect(page.get_by_test_id("scenario-products")).to_contain_text("WS-1000")
    lost = page.get_by_test_id("revenue-lost").inner_text()
    assert lost.startswith("€") and lost != "€ 0"
    # htmx swapped the result in: the builder's form is still the same page
    assert page.url == f"{base}/risk/scenario"
    _shot(page, "risk-scenario")
    saving = page.get_by_test_id("save-scenario")
    saving.get_by_role("textbox", name="Name").fill("China and the magnet maker")
    saving.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("saved-scenarios")).to_contain_text("country:CN, supplier:HOKU-MAG")

    page.goto(f"{base}/risk/crm")
    page.get_by_test_id("crm-product").select_option("WS-1000")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("crm-table")).to_contain_text("Light rare earth elements")
    expect(page.get_by_test_id("crm-table")).to_contain_text("Neodymium")
    _shot(page, "risk-crm")

    page.get_by_role("button", name="NL").click()
    expect(page.get_by_role("heading", name="Kritieke grondstoffen")).to_be_visible()
    _nav(page, "Risico").click()
    expect(page.get_by_role("heading", name="Blootstelling per land")).to_be_visible()
    _shot(page, "risk-overview-nl")
    assert problems == [], problems
