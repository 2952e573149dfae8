"""Exports are safe to open in a spreadsheet (OWASP CSV injection) and still import back exactly."""

from __future__ import annotations

import io
import zipfile

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from keten.dataio.tables import escape_formula, unescape_formula

TRICKY = [
    '=HYPERLINK("http://example.com","x")',
    "+31 20 123",
    "-40 °C sensor",
    "@SUM(A1:A9)",
    "\tindented",
    "\rreturn",
    "'=already quoted",
    "''+twice quoted",
    "'plain quote",
    "plain",
    "",
]


@pytest.mark.parametrize("text", TRICKY)
def test_the_import_undoes_exactly_what_the_export_did(text: str) -> None:
    escaped = escape_formula(text)
    assert unescape_formula(escaped) == text
    assert escaped[:1] not in ("=", "+", "-", "@", "\t", "\r")
    assert unescape_formula(text) == text or text[:1] == "'"


def _parts(client: TestClient) -> list[dict[str, object]]:
    exported = client.get("/api/exports/json").json()["parts"]
    assert isinstance(exported, list)
    return exported


def test_exports_hold_no_live_formula_and_round_trip(client: TestClient) -> None:
    for number, text in enumerate(TRICKY[:4]):
        body = {"part_number": f"P-{number}", "name": text, "kind": "component", "description": text}
        assert client.post("/api/parts", json=body).status_code == 201
    body = {"part_number": "=1+1", "name": "Tab", "kind": "component", "description": "-@cmd"}
    assert client.post("/api/parts", json=body).status_code == 201
    before = _parts(client)

    csv_text = client.get("/api/exports/csv", params={"kind": "parts"}).text
    lines = csv_text.splitlines()
    assert not any(cell.startswith(("=", "+", "-", "@")) for line in lines for cell in line.split(","))
    assert "'=1+1," in csv_text and "'@SUM(A1:A9)" in csv_text

    workbook_bytes = client.get("/api/exports/xlsx").content
    sheet_xml = zipfile.ZipFile(io.BytesIO(workbook_bytes)).read("xl/worksheets/sheet4.xml")
    assert b"<f>" not in sheet_xml and b"<f " not in sheet_xml
    workbook = load_workbook(io.BytesIO(workbook_bytes))
    cells = [c for row in workbook["parts"].iter_rows() for c in row if isinstance(c.value, str)]
    assert {c.data_type for c in cells} == {"s"}
    workbook.close()

    for files in (
        [("files", ("keten-export.xlsx", workbook_bytes, "application/octet-stream"))],
        [("files", ("parts.csv", csv_text.encode(), "text/csv"))],
    ):
        for part in before:
            assert client.delete(f"/api/parts/{part['part_number']}").status_code == 204
        imported = client.post("/api/imports", files=files)
        assert imported.status_code == 200, imported.text
        assert _parts(client) == before
