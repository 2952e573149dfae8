"""The path a sustainability engineer takes on first use, in English and in Dutch, in a real browser
at 1280 px: the overview's product figures, a footprint calculated and read, a partner granted it
and the footprint published, the passport with its QR code, and the risk report inside the app.
The top bar keeps sign-out in view at 1280 px and on a phone. Screenshots of each step go to
test-artifacts/screenshots (copies of them are in docs/screenshots)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from keten.dataio import demo
from keten.db import make_engine
from keten.migrate import upgrade
from keten.partners import auth
from tests.e2e.test_browser import PASSWORD, SCREENSHOTS, _free_port, serve_keten
from tests.e2e.test_passport_browser import _page as _console_page

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# Each language takes a part of its own through calculate, grant and publish.
PART = {"en": "WS-1100", "nl": "WS-1200"}
WORDS = {
    "en": {
        "signin": "Sign in",
        "board": "Products: footprint and supply risk",
        "calc": "Calculate and store",
    },
    "nl": {
        "signin": "Inloggen",
        "board": "Producten: voetafdruk en leveringsrisico",
        "calc": "Berekenen en opslaan",
    },
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Yield the base URL of a keten server with the demo, its passports and its PACT customer."""
    folder = tmp_path_factory.mktemp("e2e-first-use")
    url = f"sqlite:///{folder / 'keten.db'}"
    port = _free_port()
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        demo.load(session, passports=True, resolver=f"http://127.0.0.1:{port}")
        demo.load_exchange(session)
        auth.create_user(session, username="sanne", password=PASSWORD, role="editor")
        session.commit()
    engine.dispose()
    with serve_keten(url, folder, port=port) as served:
        yield served


def _page(browser: Browser, lang: str, problems: list[str], viewport: dict[str, int]) -> Page:
    return _console_page(browser, problems, viewport=viewport, locale="nl-NL" if lang == "nl" else "en-GB")


def _sign_in(page: Page, base: str, lang: str) -> None:
    page.goto(f"{base}/signin")
    page.locator('form[action="/signin"] input[name="username"]').fill("sanne")
    page.locator('form[action="/signin"] input[name="password"]').fill(PASSWORD)
    page.locator('form[action="/signin"]').get_by_role("button", name=WORDS[lang]["signin"]).click()
    expect(page).to_have_url(f"{base}/")


def _sign_out_in_view(page: Page) -> None:
    """Assert that sign-out is visible and lies wholly inside the window, and nothing scrolls sideways."""
    button = page.get_by_test_id("sign-out")
    expect(button).to_be_visible()
    box = button.bounding_box()
    width = page.viewport_size["width"] if page.viewport_size else 0
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (box, width)
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_the_top_bar_keeps_sign_out_in_view(server: str, browser: Browser, lang: str) -> None:
    problems: list[str] = []
    for name, viewport in (("1280", DESKTOP), ("1440", {"width": 1440, "height": 900}), ("phone", PHONE)):
        page = _page(browser, lang, problems, viewport)
        _sign_in(page, server, lang)
        for path in ("/", "/footprints/WS-1000", "/risk"):
            page.goto(f"{server}{path}")
            _sign_out_in_view(page)
        page.goto(f"{server}/")
        page.screenshot(path=str(SCREENSHOTS / f"first-use-topbar-{lang}-{name}.png"))
        page.context.close()
    assert problems == []


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_first_use_from_footprint_to_passport_and_report(server: str, browser: Browser, lang: str) -> None:
    problems: list[str] = []
    page = _page(browser, lang, problems, DESKTOP)
    _sign_in(page, server, lang)
    board = page.get_by_test_id("board")
    expect(page.get_by_role("heading", name=WORDS[lang]["board"])).to_be_visible()
    expect(board).to_contain_text("WS-1000")
    _shot(page, f"first-use-{lang}-1-overview")

    # A footprint calculated: the page says it is working, then shows the result.
    part = PART[lang]
    page.goto(f"{server}/footprints/{part}")
    page.get_by_role("button", name=WORDS[lang]["calc"]).click()
    expect(page.get_by_test_id("stored").locator("dl")).to_be_visible()
    page.goto(f"{server}/footprints/WS-1000")
    expect(page.get_by_test_id("tile-value").first).to_be_visible()
    expect(page.get_by_test_id("axis-title").first).to_have_text("kg CO2e")
    expect(page.get_by_test_id("range")).not_to_have_text("…")
    hotspots = page.get_by_test_id("hotspots")
    expect(hotspots).not_to_contain_text("99.")  # shares of cradle to gate, not of the use phase
    if lang == "nl":
        expect(page.get_by_test_id("gate")).to_contain_text("\u202f")  # 19 900, grouped
        expect(hotspots).to_contain_text(",")  # decimal comma in the shares
    _shot(page, f"first-use-{lang}-2-footprint")

    # Granted to a partner before it is published: the page says so and publishes it.
    page.goto(f"{server}/exchange/grants")
    form = page.locator('form[action="/exchange/grants"]')
    form.locator('input[name="part_number"]').fill(part)
    form.locator('input[name="purpose"]').fill("PCF")
    form.locator('button[type="submit"]').click()
    notice = page.get_by_test_id(f"unpublished-{part}")
    expect(notice).to_be_visible()
    _shot(page, f"first-use-{lang}-3-granted-unpublished")
    page.get_by_test_id(f"publish-{part}").click()
    expect(notice).to_have_count(0)
    expect(page.locator("table.table-compact")).to_contain_text(part)
    _shot(page, f"first-use-{lang}-4-published")

    # The passport with its QR code and its chart on a linear scale.
    page.goto(f"{server}/passports")
    page.locator("table a").first.click()
    qr = page.locator("img.passport-qr")
    expect(qr).to_be_visible()
    assert page.evaluate("(img) => img.naturalWidth > 0", qr.element_handle())
    chart = page.locator('.passport-chart[data-ready="true"]')
    expect(chart).to_be_visible()
    assert page.evaluate("(el) => el.layout.xaxis.type", chart.element_handle()) == "linear"
    assert page.evaluate("(el) => el.layout.xaxis.title.text", chart.element_handle()).startswith("kg CO2e")
    _shot(page, f"first-use-{lang}-5-passport")

    # The risk report, issued and read inside the app.
    page.goto(f"{server}/risk")
    page.get_by_test_id("issue-report").click()
    expect(page.get_by_test_id("report")).to_be_visible(timeout=60_000)
    expect(page.locator("header.topbar")).to_be_visible()
    heading = "1. Beoordeelde producten" if lang == "nl" else "1. Products assessed"
    expect(page.get_by_test_id("report")).to_contain_text(heading)
    _shot(page, f"first-use-{lang}-6-risk-report")
    assert problems == []
