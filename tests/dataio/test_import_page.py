"""The import page with a Dutch ERP export: proposed mapping, correction, every error at once,
a replaced file while the others stay chosen, a mapping saved by name, links to what was imported."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.catalog.models import Part
from keten.dataio.models import ColumnMapping

# "Nummer" is a header keten has no synonym for: the user maps it onto part_number.
ARTIKELEN = (
    "Nummer;Omschrijving;Artikelsoort;Eenheid;Gewicht (g);Opmerking\r\n"
    "WS-1000;Wafertafel compleet;product;stuks;125.400,5;\r\n"
    "LM-200;Lineaire motor;assembly;stuks;12.000;\r\n"
    "MB-016;Magneetblok;component;stuks;250,5;nieuw\r\n"
).encode("cp1252")
STUKLIJST = (
    b"Hoofdartikel;Artikelnummer;Aantal;Positie\r\nWS-1000;LM-200;2;10\r\nLM-200;MB-016;zestien;10\r\n"
)
STUKLIJST_FIXED = STUKLIJST.replace(b"zestien", b"16")


def _token(page: str) -> str:
    found = re.search(r'action="/import/([A-Za-z0-9_-]{20,})"', page)
    assert found is not None, page
    return found.group(1)


def _form_of(page: str) -> dict[str, str]:
    """Return the review form's fields as the browser would send them unchanged."""
    data: dict[str, str] = {}
    for name, value in re.findall(
        r'<input type="hidden" name="((?:source|shown-kind)-\d+)" value="([^"]*)"', page
    ):
        data[name] = value
    for name, body in re.findall(r'<select name="((?:kind|col)-[\d-]+)"[^>]*>(.*?)</select>', page, re.S):
        selected = re.search(r'<option value="([^"]*)" selected', body)
        data[name] = selected.group(1) if selected else ""
    return data


def _with_headers(form: dict[str, str], page: str) -> dict[str, str | list[str]]:
    """Return the form with the hidden header fields, one list per table, as the page sends them."""
    data: dict[str, str | list[str]] = dict(form)
    for name, value in re.findall(r'<input type="hidden" name="(header-\d+)" value="([^"]*)"', page):
        listed = data.setdefault(name, [])
        assert isinstance(listed, list)
        listed.append(value)
    return data


def test_a_dutch_export_is_mapped_corrected_fixed_and_imported(
    client_as: Callable[[str], TestClient], engine: Engine
) -> None:
    editor = client_as("editor")
    files = [
        ("files", ("Artikelen.csv", ARTIKELEN, "text/csv")),
        ("files", ("stuklijst_export.csv", STUKLIJST, "text/csv")),
    ]
    first = editor.post("/import", files=files)
    assert first.status_code == 200
    token = _token(first.text)
    form = _form_of(first.text)
    # Each file's kind is told by its columns; the headers keten knows are mapped.
    assert (form["source-0"], form["kind-0"]) == ("Artikelen.csv", "parts")
    assert (form["source-1"], form["kind-1"]) == ("stuklijst_export.csv", "bom")
    assert form["col-0-0"] == "" and form["col-0-1"] == "name" and form["col-0-4"] == "mass"
    assert (form["col-1-0"], form["col-1-1"], form["col-1-2"]) == ("parent", "child", "quantity")
    # Both files' errors in one report: the unmapped part number, and the word for a quantity.
    assert 'data-testid="import-errors"' in first.text
    assert "missing required column part_number" in first.text
    assert "&#39;zestien&#39; is not a quantity" in first.text

    form["col-0-0"] = "part_number"
    form["save-0"] = "ERP artikelen"
    corrected = editor.post(f"/import/{token}", data=_with_headers(form, first.text))
    assert corrected.status_code == 200 and "missing required column" not in corrected.text
    assert "&#39;zestien&#39; is not a quantity" in corrected.text
    assert 'data-testid="mapping-saved"' in corrected.text
    # The preview shows the mass as keten reads it: 125.400,5 g is 125.4005 kg.
    assert "125.4005" in corrected.text and "mass_kg" in corrected.text

    fixed = editor.post(
        f"/import/{token}",
        data=_with_headers(_form_of(corrected.text), corrected.text),
        files=[("files", ("stuklijst_export.csv", STUKLIJST_FIXED, "text/csv"))],
    )
    assert 'data-testid="import-errors"' not in fixed.text, fixed.text
    assert "Artikelen.csv, stuklijst_export.csv" in fixed.text  # the first file stayed chosen
    confirm = re.search(r'name="token" value="([^"]+)"', fixed.text)
    assert confirm is not None and confirm.group(1) == token

    done = editor.post("/import/confirm", data={"token": token})
    assert 'data-testid="import-done"' in done.text
    assert 'href="/parts/WS-1000"' in done.text and 'href="/footprints/WS-1000"' in done.text
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Part)) == 3
        stage = session.scalars(select(Part).where(Part.part_number == "WS-1000")).one()
        assert abs((stage.mass_kg or 0) - 125.4005) < 1e-9
        saved = session.scalars(select(ColumnMapping)).one()
    assert (saved.kind, saved.name) == ("parts", "ERP artikelen") and saved.saved_by is not None
    assert saved.columns["Nummer"] == "part_number" and saved.columns["Opmerking"] == "description"

    # Next month's export: the saved mapping applies by itself, so the file checks clean at once.
    again = editor.post("/import", files=[("files", ("Artikelen december.csv", ARTIKELEN, "text/csv"))])
    assert 'data-testid="import-errors"' not in again.text and 'name="token"' in again.text
    assert "saved mapping: ERP artikelen" in again.text
    assert 'name="mapping_name"' in editor.get("/import").text


def test_a_pending_import_is_its_uploaders_alone_and_a_table_of_unknown_kind_asks_for_one(
    client_as: Callable[[str], TestClient],
) -> None:
    editor = client_as("editor")
    page = editor.post(
        "/import", files=[("files", ("export.csv", b"Datum;Notitie\n2026-11-01;x\n", "text/csv"))]
    )
    token = _token(page.text)
    assert "choose its kind" in page.text and '<option value="" selected>' in page.text
    assert editor.get(f"/import/{token}").status_code == 200
    other = client_as("admin")
    assert other.get(f"/import/{token}").status_code == 410
    assert editor.get("/import/not-a-token!").status_code == 410
    nl = editor.get(f"/import/{token}", headers={"Accept-Language": "nl"})
    assert "kies…" in nl.text and "Opnieuw controleren" in nl.text
