"""How fast an upload past the limits is refused: workbooks of a million rows (with and without a
declared dimension) and of three million blank rows, read with keten's default limits.

    .venv/bin/python -m bench.bench_limits
"""

from __future__ import annotations

import io
import time
import zipfile

from openpyxl import Workbook

from keten.dataio.tables import read_file
from keten.problems import Problem

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_SHEET = "xl/worksheets/sheet1.xml"
_CELLS = "".join(f'<c t="inlineStr"><is><t>{v}</t></is></c>' for v in ("P", "x", "component"))


def _workbook(sheet_xml: bytes) -> bytes:
    book = Workbook()
    assert book.active is not None
    book.active.title = "parts"
    plain = io.BytesIO()
    book.save(plain)
    source = zipfile.ZipFile(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(
                item.filename, sheet_xml if item.filename == _SHEET else source.read(item.filename)
            )
    return out.getvalue()


def _sheet(rows: int, *, dimension: bool, blank: bool) -> bytes:
    cells = "" if blank else _CELLS
    declared = f'<dimension ref="A1:C{rows}"/>' if dimension else ""
    body = "".join(f'<row r="{r}">{cells}</row>' for r in range(1, rows + 1))
    return (
        f'<?xml version="1.0"?><worksheet {_NS}>{declared}<sheetData>{body}</sheetData></worksheet>'.encode()
    )


def main() -> None:
    """Print one Markdown row per hostile workbook: its size and how long its refusal took."""
    print("| workbook | file size | refused after | message |")
    print("|---|---|---|---|")
    for label, rows, dimension, blank in (
        ("1,000,000 rows, dimension declared", 1_000_000, True, False),
        ("1,000,000 rows, no dimension", 1_000_000, False, False),
        ("3,000,000 blank rows, no dimension", 3_000_000, False, True),
    ):
        data = _workbook(_sheet(rows, dimension=dimension, blank=blank))
        started = time.perf_counter()
        try:
            read_file("big.xlsx", data)
            outcome = "read (not refused)"
        except Problem as problem:
            outcome = (problem.detail or "").split(";")[0]
        print(f"| {label} | {len(data) / 1024:,.0f} KB | {time.perf_counter() - started:.2f} s | {outcome} |")


if __name__ == "__main__":
    main()
