"""The passport page in a real browser, as a repairer meets it after scanning a machine's QR code:
on a phone without signing in (public tier), and on a desktop signed in as the company (owner).
Screenshots go to test-artifacts/screenshots."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect
from sqlalchemy.orm import Session

from keten.dataio import demo
from keten.db import make_engine
from keten.migrate import upgrade
from keten.partners import auth

from .test_browser import PASSWORD, SCREENSHOTS, _free_port, serve_keten

SERIAL_PATH = f"/01/08712345001001/21/{demo.DEMO_SERIALS[0]}"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Yield the base URL of a keten server with the demo and its passports, resolving to itself."""
    folder = tmp_path_factory.mktemp("e2e-passports")
    url = f"sqlite:///{folder / 'keten.db'}"
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        demo.load(session, passports=True, resolver=base)
        auth.create_user(session, username="owen", password=PASSWORD, role="viewer")
        auth.create_user(session, username="edna", password=PASSWORD, role="editor")
        session.commit()
    engine.dispose()
    with serve_keten(url, folder, port=port) as served:
        yield served


def _page(browser: Browser, problems: list[str], **options: object) -> Page:
    page = browser.new_context(**{"locale": "en-GB", **options}).new_page()  # type: ignore[arg-type]

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return page


def test_a_repairer_scans_the_qr_code_on_a_phone(server: str, browser: Browser) -> None:
    problems: list[str] = []
    page = _page(browser, problems, viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    page.goto(server + SERIAL_PATH)
    expect(page.get_by_role("heading", name="Wafer stage module, dual-stage")).to_be_visible()
    expect(page.get_by_test_id("tier")).to_contain_text("public")
    crms = page.get_by_test_id("crms")
    expect(crms).to_contain_text("Light rare earth elements")
    expect(crms.locator(".crm-strategic").first).to_be_visible()
    expect(page.locator('.passport-chart[data-ready="true"]')).to_be_visible(timeout=20_000)
    expect(page.locator("#repair")).to_contain_text("lock out the stage cabinet")
    expect(page.locator("#documents")).to_contain_text("EU declaration of conformity")
    expect(page.get_by_test_id("labels")).to_contain_text("CE · 2006/42/EC")
    expect(page.get_by_test_id("substances")).to_contain_text("Carc. 1B")
    # Legitimate-interest sections (materials, disassembly) and the owner's need a sign-in.
    expect(page.get_by_test_id("disassembly")).to_have_count(0)
    expect(page.get_by_test_id("materials")).to_have_count(0)
    expect(page.locator("#owner")).to_have_count(0)
    expect(page.get_by_role("link", name="Sign in to see more")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways on a phone: {width}px"
    qr = page.locator("img.passport-qr")
    expect(qr).to_be_visible()
    assert page.evaluate("(img) => img.naturalWidth > 0", qr.element_handle())
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "passport-phone-top.png"))
    page.screenshot(path=str(SCREENSHOTS / "passport-phone.png"), full_page=True)
    assert problems == [], problems


def test_the_owner_sees_every_section_on_a_desktop(server: str, browser: Browser) -> None:
    problems: list[str] = []
    page = _page(browser, problems, viewport={"width": 1360, "height": 900})
    page.goto(f"{server}/signin?next={SERIAL_PATH}")
    page.get_by_label("Username").fill("owen")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("tier")).to_contain_text("owner")
    expect(page.get_by_test_id("disassembly")).to_contain_text("Strong permanent magnets")
    expect(page.get_by_test_id("materials")).to_contain_text("Neodymium")
    expect(page.locator("#as-built")).to_contain_text("WS-1100")
    expect(page.locator("#owner")).to_be_visible()
    expect(page.locator("#documents")).to_contain_text("Technical file")
    expect(page.locator('.passport-chart[data-ready="true"]')).to_be_visible(timeout=20_000)
    page.screenshot(path=str(SCREENSHOTS / "passport-desktop-owner.png"), full_page=True)
    page.get_by_role("link", name="Passports", exact=True).click()
    expect(page.locator("table.table")).to_contain_text("WS-1000")
    page.screenshot(path=str(SCREENSHOTS / "passports.png"), full_page=True)
    assert problems == [], problems


def test_an_editor_issues_a_passport_giving_the_missing_gtin_and_revises_it(
    server: str, browser: Browser
) -> None:
    problems: list[str] = []
    page = _page(browser, problems, viewport={"width": 1360, "height": 900})
    page.goto(f"{server}/signin?next=/passports")
    page.get_by_label("Username").fill("edna")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    issue = page.get_by_test_id("issue")
    # The long-stroke stage is sold as a spare module too, but has no GTIN yet: the page asks for it.
    issue.get_by_label("Part number").fill("WS-1100")
    issue.get_by_role("button", name="Issue").click()
    expect(page.get_by_test_id("ask-gtin")).to_contain_text("WS-1100 has no GTIN yet")
    gtin = page.get_by_label("GTIN (if the product has none yet)")
    expect(gtin).to_be_focused()
    expect(page.get_by_label("Part number")).to_have_value("WS-1100")
    page.screenshot(path=str(SCREENSHOTS / "passport-issue-asks-gtin.png"), full_page=True)
    gtin.fill("08712345000127")
    page.get_by_role("button", name="Issue").click()
    expect(page.get_by_test_id("done")).to_contain_text("Passports issued and signed: 1.")
    expect(page.locator("#identification")).to_contain_text("08712345000127")
    page.get_by_role("button", name="Revise from the current data").click()
    expect(page.get_by_test_id("done")).to_contain_text("Nothing changed; no new revision.")
    # In Dutch the same buttons and answers.
    page.get_by_role("button", name="NL", exact=True).click()
    page.get_by_role("button", name="Herzien met de huidige gegevens").click()
    expect(page.get_by_test_id("done")).to_contain_text("Er is niets veranderd; geen nieuwe revisie.")
    page.goto(f"{server}/passports")
    expect(page.get_by_role("heading", name="Paspoort uitgeven")).to_be_visible()
    page.get_by_role("button", name="EN", exact=True).click()
    # The one answer that is not a success is the form asking for the GTIN (422), as it should be.
    assert problems == [
        "Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"
    ]
