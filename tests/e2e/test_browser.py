"""The web app in a real browser: Debian's Chromium driven by Playwright against a real server.

One walk through the app as its users meet it: an editor signs in, uploads an import, checks and
confirms it, opens a part, expands its BOM tree, switches to Dutch; a viewer is refused the import.
A screenshot of each main page goes to test-artifacts/screenshots for a reviewer to look at.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Locator, Page, Request, expect
from sqlalchemy.orm import Session

from keten.dataio.generate import generate
from keten.db import make_engine
from keten.migrate import upgrade
from keten.partners import auth

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
PASSWORD = "correct horse battery"
# The machine is shared with other test workers: give the browser time rather than fail on a slow moment.
expect.set_options(timeout=20_000)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_keten(database_url: str, folder: Path, *, port: int | None = None) -> Iterator[str]:
    """Run keten with uvicorn in its own process on ``database_url``; yield its base URL."""
    port = port or _free_port()
    env = {
        **os.environ,
        "KETEN_DATABASE_URL": database_url,
        "KETEN_RESOLVER_URL": f"http://127.0.0.1:{port}",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "keten.asgi:app", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    # Starting Python, keten and uvicorn takes well over 30 s when every core is busy with other tests.
    deadline = time.monotonic() + 120
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                # Reap the process and close its pipe, so a failed start leaves nothing behind that a
                # later test would report as an unclosed resource.
                _, stderr = process.communicate(timeout=10)
                raise RuntimeError(f"keten did not start: {stderr.decode() if stderr else ''}") from None
            time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stderr:
            process.stderr.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """Yield (base URL, folder of a generated chain) of a keten server on its own SQLite database."""
    folder = tmp_path_factory.mktemp("e2e")
    url = f"sqlite:///{folder / 'keten.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        auth.create_user(
            session, username="erin", password=PASSWORD, role="editor", display_name="Erin Editor"
        )
        auth.create_user(session, username="victor", password=PASSWORD, role="viewer")
        session.commit()
    engine.dispose()
    chain = folder / "chain"
    generate(chain, parts=400, suppliers=40, seed=3)
    with serve_keten(url, folder) as base:
        yield base, chain


def _page(browser: Browser, problems: list[str]) -> Page:
    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-GB")
    page = context.new_page()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return page


def _nav(page: Page, label: str) -> Locator:
    return page.locator("nav.mainnav").get_by_role("link", name=label, exact=True)


def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/")
    expect(page).to_have_url(f"{base}/signin?next=%2F")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/")


def test_an_editor_imports_explores_a_bom_and_switches_language(
    server: tuple[str, Path], browser: Browser
) -> None:
    base, chain = server
    problems: list[str] = []
    page = _page(browser, problems)
    page.goto(f"{base}/signin")
    _shot(page, "signin")
    _sign_in(page, base, "erin")
    expect(page.get_by_text("Nothing is loaded yet")).to_be_visible()

    _nav(page, "Import").click()
    page.locator('input[type="file"]').set_input_files([str(p) for p in sorted(chain.glob("*.csv"))])
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_test_id("import-report")).to_be_visible()
    expect(page.get_by_test_id("import-report")).to_contain_text("parts.csv")
    _shot(page, "import-check")
    page.get_by_role("button", name="Confirm import").click()
    expect(page.get_by_test_id("import-done")).to_be_visible()

    _nav(page, "Overview").click()
    expect(page.get_by_test_id("count-parts")).to_have_text("400")
    _shot(page, "overview")

    _nav(page, "Parts").click()
    page.get_by_role("combobox", name="Kind").select_option("product")
    page.get_by_role("button", name="Search").click()
    _shot(page, "parts")
    tree_requests: list[str] = []

    def on_request(request: Request) -> None:
        if "/catalog/bom/" in request.url:
            tree_requests.append(request.url)

    page.on("request", on_request)
    page.locator('[data-testid="parts-table"] a').first.click()
    tree = page.get_by_test_id("bom-tree")
    expect(tree).to_be_visible()
    top_level = tree.locator(":scope > li.node")
    count_before = tree.locator("li.node").count()
    # The page brings one level of the BOM and nothing below it.
    assert count_before == top_level.count() > 0 and tree_requests == []
    toggle = tree.locator(":scope > li.has-children > .node-row > .toggle").first
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    opened = tree.locator(":scope > li.has-children").first.locator(":scope > .children > li.node")
    expect(opened.first).to_be_visible()
    assert tree.locator("li.node").count() > count_before and len(tree_requests) == 1
    expect(page.get_by_test_id("sources").or_(page.locator("#sources .empty"))).to_be_visible()
    _shot(page, "part")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(opened.first).to_be_hidden()
    toggle.click()  # opening again shows what was fetched, without asking the server twice
    expect(opened.first).to_be_visible()
    assert len(tree_requests) == 1

    _nav(page, "Organizations").click()
    expect(page.locator('.choropleth[data-ready="true"]')).to_be_visible(timeout=15_000)
    _shot(page, "organizations")

    page.get_by_role("button", name="NL").click()
    expect(page.get_by_role("heading", name="Organisaties")).to_be_visible()
    expect(_nav(page, "Onderdelen")).to_be_visible()
    _nav(page, "Overzicht").click()
    expect(page.get_by_role("heading", name="Laatste imports")).to_be_visible()
    _shot(page, "overview-nl")
    assert problems == [], problems


def test_a_viewer_is_refused_the_import(server: tuple[str, Path], browser: Browser) -> None:
    base, _ = server
    problems: list[str] = []
    page = _page(browser, problems)
    _sign_in(page, base, "victor")
    expect(_nav(page, "Import")).to_have_count(0)
    response = page.goto(f"{base}/import")
    assert response is not None and response.status == 403
    expect(page.get_by_text("it needs the editor role")).to_be_visible()
    _shot(page, "viewer-refused")
    page.goto(f"{base}/docs")
    expect(page.locator(".swagger-ui .info")).to_be_visible()
    _shot(page, "api-docs")
    # The refused page itself is answered with 403, which the browser reports on its console.
    assert all("403" in p for p in problems), problems
