"""Files a careless or hostile user uploads: broken sheet XML, entity bombs, NUL characters, and
workbooks that unpack to far more than they weigh. Each is refused with a 422 naming the file (and
sheet), by the API, the import page and the command, before it costs much."""

from __future__ import annotations

import io
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook

from keten.dataio.tables import ReadLimits, read_file
from keten.problems import Problem

KETEN = str(Path(sys.executable).parent / "keten")
SHEET = "xl/worksheets/sheet1.xml"
_PART_FAILS = f"is not a readable XLSX workbook: its part {SHEET} fails"

_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lollollollollollollollollollol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    + "]>"
)


def _workbook(rows: list[list[object]] | None = None) -> bytes:
    """Return a valid one-sheet workbook titled 'parts'."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "parts"
    for row in rows or [["part_number", "name", "kind"], ["P-1", "Bolt", "component"]]:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _with_sheet(xml: str | bytes, *, compress: bool = True) -> bytes:
    """Return a valid workbook whose first sheet's XML is replaced by ``xml``."""
    source = zipfile.ZipFile(io.BytesIO(_workbook()))
    out = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(out, "w", method) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            target.writestr(item.filename, xml if item.filename == SHEET else data)
    return out.getvalue()


def _rows_xml(count: int, *, blank: bool = False) -> bytes:
    cells = "" if blank else '<c t="inlineStr"><is><t>x</t></is></c>'
    body = "".join(f'<row r="{r}">{cells}</row>' for r in range(1, count + 1))
    return f"{_HEAD}<worksheet {_NS}><sheetData>{body}</sheetData></worksheet>".encode()


_HEADER_ROW = '<row r="1">' + "".join(
    f'<c t="inlineStr"><is><t>{name}</t></is></c>' for name in ("part_number", "name", "kind")
)
# As Excel writes it: openpyxl opens a sheet by reading up to its dimension, the rows come later.
_DIMENSION = '<dimension ref="A1:C2"/>'
BROKEN = {
    "truncated at the start": f'{_HEAD}<worksheet {_NS}><sheetData><row r="1"><c t="inlineStr"><is><t>part_n',
    "truncated in a row": f"{_HEAD}<worksheet {_NS}>{_DIMENSION}<sheetData>{_HEADER_ROW}</row>"
    '<row r="2"><c t="inlineStr"><is><t>P-',
    "undefined entity in a row": f"{_HEAD}<worksheet {_NS}>{_DIMENSION}<sheetData>{_HEADER_ROW}</row>"
    '<row r="2"><c t="inlineStr"><is><t>&nope;</t></is></c></row></sheetData></worksheet>',
    "undefined entity": f"{_HEAD}<worksheet {_NS}><sheetData>"
    '<row r="1"><c t="inlineStr"><is><t>&nope;</t></is></c></row></sheetData></worksheet>',
    "billion laughs": f"{_HEAD}{_LAUGHS}<worksheet {_NS}><sheetData>"
    '<row r="1"><c t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>',
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_sheet_is_a_problem_naming_file_and_sheet(case: str) -> None:
    started = time.perf_counter()
    with pytest.raises(Problem) as caught:
        read_file("chain.xlsx", _with_sheet(BROKEN[case]))
    assert caught.value.status == 422
    detail = caught.value.detail or ""
    # openpyxl reads a DTD when it opens the sheet, and the rows' XML while they are read.
    assert "chain.xlsx[parts]: sheet 'parts'" in detail or f"chain.xlsx: {_PART_FAILS}" in detail, detail
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_the_api_answers_422_for_a_broken_sheet(client: TestClient, case: str) -> None:
    files = [("files", ("chain.xlsx", _with_sheet(BROKEN[case]), "application/octet-stream"))]
    response = client.post("/api/imports", files=files)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    detail = response.json()["detail"]
    assert "chain.xlsx[parts]" in detail or SHEET in detail


def test_the_import_page_lists_a_broken_sheet(client_as: Callable[[str], TestClient]) -> None:
    editor = client_as("editor")
    files = [("files", ("chain.xlsx", _with_sheet(BROKEN["truncated in a row"]), "application/octet-stream"))]
    response = editor.post("/import", files=files, headers={"Accept": "text/html"})
    assert response.status_code == 200
    # The report lists the file and sheet in one cell and what is wrong with it in the next.
    assert 'data-testid="import-errors"' in response.text
    assert "<td>chain.xlsx[parts]</td>" in response.text
    assert "sheet &#39;parts&#39; cannot be read" in response.text


def test_the_command_prints_a_broken_sheet_without_a_traceback(
    database_url: str, engine: object, tmp_path: Path
) -> None:
    path = tmp_path / "chain.xlsx"
    path.write_bytes(_with_sheet(BROKEN["undefined entity in a row"]))
    done = subprocess.run(
        [KETEN, "import", str(path)],
        capture_output=True,
        text=True,
        env={"KETEN_DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert (
        "chain.xlsx[parts]: sheet 'parts'" in " ".join(done.stderr.split()) and "Traceback" not in done.stderr
    )


def test_a_nul_character_in_a_csv_or_json_cell_is_refused() -> None:
    with pytest.raises(Problem) as csv_problem:
        read_file("parts.csv", b"part_number,name,kind\nP-1,Bo\x00lt,component\n")
    assert csv_problem.value.status == 422
    assert csv_problem.value.errors[0] | {"message": ""} == {
        "file": "parts.csv",
        "row": 2,
        "column": 2,
        "message": "",
    }
    with pytest.raises(Problem) as json_problem:
        read_file("chain.json", b'{"parts": [{"part_number": "P\\u0000", "name": "x", "kind": "component"}]}')
    assert "NUL" in (json_problem.value.detail or "")


def test_the_api_refuses_a_nul_in_an_imported_csv(client: TestClient) -> None:
    bad = b"part_number,name,kind\nP-1,Bo\x00lt,component\n"
    response = client.post("/api/imports", files=[("files", ("parts.csv", bad, "text/csv"))])
    assert response.status_code == 422 and "NUL" in response.json()["detail"]
    assert client.get("/api/parts").json()["total"] == 0


def test_a_workbook_unpacking_past_the_limit_is_refused_before_it_is_read() -> None:
    bomb = _with_sheet(_rows_xml(200_000, blank=True))
    assert len(bomb) < 1024 * 1024
    started = time.perf_counter()
    with pytest.raises(Problem) as caught:
        read_file("bomb.xlsx", bomb, limits=ReadLimits(max_unpacked_mb=1))
    assert time.perf_counter() - started < 1
    assert "KETEN_MAX_UNPACKED_MB" in (caught.value.detail or "") and "1 MB" in (caught.value.detail or "")


def test_rows_past_the_cap_stop_the_reading_blank_rows_included() -> None:
    many = _with_sheet(_rows_xml(5_000, blank=True))
    with pytest.raises(Problem) as caught:
        read_file("blank.xlsx", many, limits=ReadLimits(max_rows=1_000))
    assert "KETEN_MAX_IMPORT_ROWS" in (caught.value.detail or "") and "1,000 rows" in (
        caught.value.detail or ""
    )
    declared = _workbook(
        [["part_number", "name", "kind"], *[[f"P-{i}", "x", "component"] for i in range(50)]]
    )
    with pytest.raises(Problem):
        read_file("parts.xlsx", declared, limits=ReadLimits(max_rows=10))
    csv_rows = b"part_number,name,kind\n" + b"P,x,component\n" * 20
    with pytest.raises(Problem, match="KETEN_MAX_IMPORT_ROWS"):
        read_file("parts.csv", csv_rows, limits=ReadLimits(max_rows=10))
    assert len(read_file("parts.csv", csv_rows, limits=ReadLimits(max_rows=20))[0].rows) == 20


def test_the_api_applies_the_row_limit_of_its_settings(
    client_as: Callable[[str], TestClient], settings: object
) -> None:
    settings.max_import_rows = 10  # type: ignore[attr-defined]
    editor = client_as("editor")
    csv_rows = b"part_number,name,kind\n" + b"P,x,component\n" * 11
    response = editor.post("/api/imports", files=[("files", ("parts.csv", csv_rows, "text/csv"))])
    assert response.status_code == 422 and "KETEN_MAX_IMPORT_ROWS" in response.json()["detail"]
