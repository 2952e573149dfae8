"""The exchange pages in a real browser: an admin adds a partner and sees its secret once, an editor
grants a product group, the partner's call appears in the access log, a viewer reads the queue."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from keten.partners import auth
from keten.settings import Settings
from tests.e2e.test_browser import PASSWORD, SCREENSHOTS
from tests.exchange.conftest import Partner, build_chain, live_server, new_database, token_of


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder: Path = tmp_path_factory.mktemp("exchange-browser")
    url, engine = new_database(folder, "node")
    with Session(engine) as session:
        build_chain(session)
        for name, role in (("ada", "admin"), ("erin", "editor"), ("victor", "viewer")):
            auth.create_user(session, username=name, password=PASSWORD, role=role)
        session.commit()
    with live_server(Settings(database_url=url)) as base:
        yield base
    engine.dispose()


def _signed_in(browser: Browser, base: str, username: str) -> Page:
    page = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-GB").new_page()
    page.goto(f"{base}/signin?next=%2Fexchange")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/exchange")
    return page


def test_partners_grants_log_and_queue_in_the_browser(browser: Browser, node: str) -> None:
    admin = _signed_in(browser, node, "ada")
    expect(admin.locator("nav.mainnav").get_by_role("link", name="Exchange", exact=True)).to_be_visible()
    admin.get_by_label("Code").fill("OEM")
    admin.get_by_label("Name", exact=True).fill("OEM B.V.")
    admin.get_by_role("button", name="Add partner").click()
    shown = admin.get_by_test_id("new-secret")
    expect(shown).to_be_visible()
    text = shown.inner_text()
    client_id = re.search(r"(pact_[0-9a-f]+)", text)
    secret = re.search(r"Client secret\s+(\S+)", text)
    assert client_id and secret
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    admin.screenshot(path=str(SCREENSHOTS / "exchange-partners.png"), full_page=True)
    admin.goto(f"{node}/exchange")
    expect(admin.get_by_text(secret.group(1))).to_have_count(0)

    editor = _signed_in(browser, node, "erin")
    editor.goto(f"{node}/exchange/grants")
    editor.get_by_label("or product group").select_option("modules")
    editor.get_by_label("Purpose").fill("customer LCA")
    editor.get_by_role("button", name="Grant", exact=True).click()
    expect(editor.get_by_test_id("grants")).to_contain_text("customer LCA")
    editor.screenshot(path=str(SCREENSHOTS / "exchange-grants.png"), full_page=True)

    partner = Partner("OEM", client_id.group(1), secret.group(1))
    listed = httpx.get(f"{node}/2/footprints", headers={"Authorization": f"Bearer {token_of(node, partner)}"})
    assert [pf["productIds"][0].rsplit(":", 1)[1] for pf in listed.json()["data"]] == ["MOD"]

    viewer = _signed_in(browser, node, "victor")
    viewer.goto(f"{node}/exchange/log")
    log = viewer.get_by_test_id("access-log")
    expect(log).to_contain_text("list footprints")
    expect(log).to_contain_text("OEM")
    viewer.screenshot(path=str(SCREENSHOTS / "exchange-log.png"), full_page=True)
    viewer.goto(f"{node}/exchange/requests")
    expect(viewer.get_by_role("heading", name="Incoming requests")).to_be_visible()
    expect(viewer.get_by_role("button", name="Add partner")).to_have_count(0)
