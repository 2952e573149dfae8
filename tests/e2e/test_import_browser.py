"""A Dutch ERP export brought in through the import page, in a real browser, in Dutch and English.

The export has semicolons, decimal commas, Windows-1252 text and its own column and file names.
The user uploads it, checks the mapping keten proposes, corrects one column with its pick list,
reads the preview, sees the errors of both files at once, replaces the bad file (the other stays
chosen), imports, and follows the links to the product and its footprint. A screenshot of each
step, 1280 px wide, goes to docs/screenshots/import-<language>-<step>.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect
from sqlalchemy.orm import Session

from keten.db import make_engine
from keten.migrate import upgrade
from keten.partners import auth
from tests.e2e.test_browser import PASSWORD, REPO, serve_keten
from tests.web.test_dutch import english_in

SCREENSHOTS = REPO / "docs" / "screenshots"

ARTIKELEN = (
    "Nummer;Omschrijving;Artikelsoort;Eenheid;Gewicht (g);Artikelgroep;Opmerking\r\n"
    "WT-1000;Wafertafel compleet;product;stuks;125.400,5;machine;\r\n"
    "LM-200;Lineaire motor ø40;assembly;stuks;12.000;motor;\r\n"
    "MB-016;Magneetblok NdFeB;component;stuks;250,5;magneet;gecoat\r\n"
    "KB-001;Motorkabel;component;m;85;kabel;per meter\r\n"
)
STUKLIJST = (
    "Hoofdartikel;Artikelnummer;Aantal;Eenheid;Positie\r\n"
    "WT-1000;LM-200;2;;10\r\n"
    "WT-1000;KB-001;3,5;m;20\r\n"
    "LM-200;MB-016;zestien;;10\r\n"
    "LM-200;KB-001;500;mm;20\r\n"
)

WORDS = {
    "en": {
        "Username": "Username",
        "Password": "Password",
        "Sign in": "Sign in",
        "Check": "Check",
        "Check again": "Check again",
        "Confirm import": "Confirm import",
        "Footprint": "Footprint",
        "Part and its BOM": "Part and its BOM",
        "Errors": "Errors: 2",
        "missing": "missing required column part_number",
        "zestien": "quantity: 'zestien' is not a quantity",
        "mass_kg": "mass_kg",
    },
    "nl": {
        "Username": "Gebruikersnaam",
        "Password": "Wachtwoord",
        "Sign in": "Inloggen",
        "Check": "Controleren",
        "Check again": "Opnieuw controleren",
        "Confirm import": "Import bevestigen",
        "Footprint": "Voetafdruk",
        "Part and its BOM": "Onderdeel en stuklijst",
        "Errors": "Fouten: 2",
        "missing": "verplichte kolom onderdeelnummer ontbreekt",
        "zestien": "aantal: 'zestien' is geen hoeveelheid",
        "mass_kg": "massa (kg)",
    },
}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """Yield the base URL of a keten server on an empty database with one editor."""
    url = f"sqlite:///{tmp_path / 'keten.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        auth.create_user(session, username="erin", password=PASSWORD, role="editor", display_name="Erin")
        session.commit()
    engine.dispose()
    with serve_keten(url, tmp_path) as base:
        yield base


def _export(folder: Path) -> tuple[list[Path], Path]:
    """Write the ERP export as Dutch Excel saves it; return its files and the corrected BOM."""
    folder.mkdir()
    items = folder / "Artikelen.csv"
    items.write_bytes(ARTIKELEN.encode("cp1252"))
    bom = folder / "stuklijst_export.csv"
    bom.write_bytes(STUKLIJST.encode("cp1252"))
    fixed = folder / "fixed"
    fixed.mkdir()
    (fixed / bom.name).write_bytes(STUKLIJST.replace("zestien", "16").encode("cp1252"))
    return [items, bom], fixed / bom.name


def _shot(page: Page, lang: str, step: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"import-{lang}-{step}.png"), full_page=True)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_dutch_erp_export_through_mapping_preview_errors_fix_and_import(
    server: str, browser: Browser, tmp_path: Path, lang: str
) -> None:
    words = WORDS[lang]
    files, fixed = _export(tmp_path / "export")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    context.add_cookies([{"name": "keten_lang", "value": lang, "url": server}])
    page = context.new_page()
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{server}/signin")
    page.get_by_label(words["Username"]).fill("erin")
    page.get_by_label(words["Password"]).fill(PASSWORD)
    page.get_by_role("button", name=words["Sign in"]).click()
    expect(page).to_have_url(f"{server}/")

    page.goto(f"{server}/import")
    page.locator('input[name="files"]').set_input_files([str(f) for f in files])
    _shot(page, lang, "1-upload")
    page.get_by_role("button", name=words["Check"], exact=True).click()

    # keten tells both kinds from the columns and proposes a mapping; "Nummer" it cannot place.
    tables = page.get_by_test_id("import-table")
    expect(tables).to_have_count(2)
    items, bom = tables.nth(0), tables.nth(1)
    expect(items.get_by_test_id("kind-select")).to_have_value("parts")
    expect(bom.get_by_test_id("kind-select")).to_have_value("bom")
    expect(items.locator('select[data-header="Gewicht (g)"]')).to_have_value("mass")
    expect(items.locator('select[data-header="Nummer"]')).to_have_value("")
    expect(page.get_by_test_id("import-errors")).to_contain_text(words["Errors"])
    errors = page.get_by_test_id("error-list")
    expect(errors).to_contain_text(words["missing"])
    expect(errors).to_contain_text(words["zestien"])
    if lang == "nl":
        assert english_in(page.content()) == []
    _shot(page, lang, "2-proposed-mapping-and-errors")

    items.locator('select[data-header="Nummer"]').select_option("part_number")
    items.get_by_test_id("save-mapping").fill("ERP artikelen")
    page.get_by_test_id("check-again").click()
    expect(page.get_by_test_id("mapping-saved")).to_be_visible()
    items = page.get_by_test_id("import-table").nth(0)
    expect(items.locator('select[data-header="Nummer"]')).to_have_value("part_number")
    preview = items.get_by_test_id("preview")
    # 125.400,5 g as keten reads it: kilograms, in the page's language.
    expect(preview).to_contain_text("125,4005" if lang == "nl" else "125.4005")
    expect(preview).to_contain_text(words["mass_kg"])
    errors = page.get_by_test_id("error-list")
    expect(errors).to_contain_text(words["zestien"])
    expect(errors).not_to_contain_text(words["missing"])
    if lang == "nl":
        assert english_in(page.content()) == []
    _shot(page, lang, "3-corrected-mapping-and-preview")

    page.locator('form[action^="/import/"] input[name="files"]').set_input_files(str(fixed))
    page.get_by_test_id("check-again").click()
    expect(page.get_by_test_id("import-report")).to_be_visible()
    expect(page.get_by_test_id("import-errors")).to_have_count(0)
    expect(page.get_by_test_id("import-report")).to_contain_text("Artikelen.csv")
    _shot(page, lang, "4-fixed-and-checked")

    page.get_by_role("button", name=words["Confirm import"]).click()
    expect(page.get_by_test_id("import-done")).to_be_visible()
    links = page.get_by_test_id("imported-products")
    expect(links).to_contain_text("WT-1000")
    _shot(page, lang, "5-imported")

    product = links.get_by_role("link", name=words["Part and its BOM"]).get_attribute("href")
    assert product == "/parts/WT-1000"
    links.get_by_role("link", name=words["Footprint"]).click()
    expect(page).to_have_url(f"{server}/footprints/WT-1000")
    _shot(page, lang, "6-footprint")
    page.goto(f"{server}{product}")
    expect(page.get_by_test_id("bom-tree")).to_contain_text("LM-200")
    _shot(page, lang, "7-product-and-bom")
    assert problems == []
    context.close()
