"""Reading uploaded or local files into raw tables of strings: CSV, XLSX and keten's JSON export."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from keten.dataio.columns import guess_kind, propose
from keten.messages import Message, Term
from keten.problems import Problem

__all__ = [
    "KIND_ORDER",
    "ReadLimits",
    "Table",
    "escape_formula",
    "files_of",
    "kind_from_name",
    "normalize_header",
    "read_file",
    "read_path",
    "unescape_formula",
]

KIND_ORDER = ("organizations", "sites", "materials", "parts", "bom", "composition", "sourcing", "stock")
_KINDS = tuple(Term(kind) for kind in KIND_ORDER)

_KIND_ALIASES = {
    "organisations": "organizations",
    "organization": "organizations",
    "organisation": "organizations",
    "orgs": "organizations",
    "site": "sites",
    "material": "materials",
    "part": "parts",
    "items": "parts",
    "boms": "bom",
    "bom_lines": "bom",
    "bill_of_materials": "bom",
    "material_composition": "composition",
    "compositions": "composition",
    "sources": "sourcing",
    "stocks": "stock",
    "inventory": "stock",
}


@dataclass
class Table:
    """One table of raw cell text as read from a file: a kind, a header and rows.

    ``kind`` is None when neither the name nor the columns tell it: the user must choose.
    ``row_numbers[i]`` is the line or sheet row where ``rows[i]`` stands, for error messages.
    ``decimal_comma`` says the file was written with semicolons, so numbers may carry decimal
    commas; ``mapping`` is the user's mapping of this table's headers onto keten's columns.
    """

    kind: str | None
    source: str
    header: list[str]
    rows: list[list[str]]
    row_numbers: list[int] = field(default_factory=list)
    decimal_comma: bool = False
    mapping: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.row_numbers:
            self.row_numbers = list(range(2, len(self.rows) + 2))


@dataclass(frozen=True)
class ReadLimits:
    """What reading one file may cost, checked before and while it is read.

    The defaults are those of keten.settings; an upload names the setting that raises a limit.
    """

    max_rows: int = 500_000
    """Rows of one table or sheet, blank ones included (KETEN_MAX_IMPORT_ROWS)."""
    max_unpacked_mb: int = 500
    """Bytes an XLSX workbook unpacks to, by its zip directory (KETEN_MAX_UNPACKED_MB)."""

    @classmethod
    def of(cls, settings: object) -> ReadLimits:
        """Return the limits set in ``settings`` (a keten.settings.Settings)."""
        return cls(
            max_rows=getattr(settings, "max_import_rows", cls.max_rows),
            max_unpacked_mb=getattr(settings, "max_unpacked_mb", cls.max_unpacked_mb),
        )


def _too_many_rows(source: str, limits: ReadLimits) -> Problem:
    return _bad_file(
        source,
        Message(
            "has more than {rows} rows, the most one file may hold; split it, or raise "
            "the limit with the setting KETEN_MAX_IMPORT_ROWS",
            rows=float(limits.max_rows),
        ),
    )


# OWASP CSV injection: a spreadsheet takes a cell starting with one of these as a formula. An
# export puts a ' before such text (and before text that is quotes and then one of these, so that
# an import can take exactly one quote off again).
_FORMULA = re.compile(r"^'*[=+\-@\t\r]")
_ESCAPED_FORMULA = re.compile(r"^'+[=+\-@\t\r]")


def escape_formula(text: str) -> str:
    """Return ``text`` as a CSV export writes it: with a ' before it if a spreadsheet would run it."""
    return f"'{text}" if _FORMULA.match(text) else text


def unescape_formula(text: str) -> str:
    """Return the text a CSV cell written by ``escape_formula`` stood for: exactly one ' less, or as it is."""
    return text[1:] if _ESCAPED_FORMULA.match(text) else text


def normalize_header(name: str) -> str:
    """Return a column or sheet name folded for matching: lower case, runs of blanks and dashes as '_'."""
    return re.sub(r"[\s\-./]+", "_", name.strip().lower()).strip("_")


def kind_from_name(name: str) -> str | None:
    """Return the table kind a file or sheet name stands for, or None."""
    stem = normalize_header(Path(name).stem if "." in name else name)
    if stem in KIND_ORDER:
        return stem
    return _KIND_ALIASES.get(stem)


def _bad_file(source: str, detail: Message) -> Problem:
    return Problem(
        422,
        "Unreadable file",
        Message("{file}: {problem}", file=source, problem=detail),
        errors=[{"file": source, "row": None, "column": None, "message": detail}],
    )


def _decode(source: str, data: bytes, encoding: str | None) -> str:
    if encoding:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise _bad_file(
                source, Message("cannot be read as {encoding}: {reason}", encoding=encoding, reason=str(exc))
            ) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    # Excel on Dutch and other Western European Windows saves "CSV" in Windows-1252.
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        line = data[:first_bad].count(b"\n") + 1
        raise _bad_file(
            source,
            Message(
                "is neither UTF-8 nor Windows-1252 text (byte {byte} on line {line}); "
                "save it as 'CSV UTF-8' or name its encoding, e.g. --encoding latin-1",
                byte=f"0x{data[first_bad]:02x}",
                line=line,
            ),
        ) from None


def _sniff_delimiter(text: str) -> str:
    """Return the delimiter that splits the first lines into the most columns, the same on each line."""
    lines = text[:65536].splitlines()[:20]
    best, best_score = ",", (False, 0)
    for delimiter in (",", ";", "\t", "|"):
        widths = [len(row) for row in csv.reader(lines, delimiter=delimiter) if any(c.strip() for c in row)]
        if not widths or widths[0] < 2:
            continue
        steady = sum(w == widths[0] for w in widths) * 10 >= len(widths) * 9
        score = (steady, widths[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_csv(source: str, data: bytes, kind: str | None, encoding: str | None, limits: ReadLimits) -> Table:
    text = _decode(source, data, encoding)
    if not text.strip():
        raise _bad_file(source, Message("is empty; expected a header line and data rows"))
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
        rows: list[list[str]] = []
        numbers: list[int] = []
        for count, row in enumerate(reader, start=1):
            if count > limits.max_rows:
                raise _too_many_rows(source, limits)
            if not any(cell.strip() for cell in row):
                continue
            rows.append([unescape_formula(cell) if cell[:1] == "'" else cell for cell in row])
            numbers.append(reader.line_num)
    except csv.Error as exc:
        raise _bad_file(
            source, Message("line {line}: {reason}", line=reader.line_num, reason=str(exc))
        ) from None
    return Table(
        kind=kind or guess_kind(header),
        source=source,
        header=header,
        rows=rows,
        row_numbers=numbers,
        decimal_comma=delimiter == ";",
    )


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


# What a broken sheet raises while it is read: XML syntax errors (expat's and lxml's are both
# SyntaxError), entity and DTD refusals, and what openpyxl raises on cells it cannot make sense of.
_SHEET_ERRORS = (SyntaxError, ValueError, KeyError, TypeError, IndexError, AttributeError, EOFError)


_ROW_TAGS = (b"<row ", b"<row>", b":row ", b":row>")


def _sheet_rows_over(archive: zipfile.ZipFile, name: str, limit: int) -> bool:
    """Return whether the sheet XML ``name`` has more than ``limit`` rows, counting its row tags as it
    unpacks; openpyxl would parse all of a sheet without a dimension before the first row."""
    rows = 0
    tail = b""
    with archive.open(name) as member:
        while chunk := member.read(1 << 20):
            window = tail + chunk
            rows += sum(window.count(tag) for tag in _ROW_TAGS)
            if rows > limit:
                return True
            # Every tag is 5 bytes: one cut by the chunk's end is whole in the next window, and the
            # 4 bytes carried over cannot hold a whole one, so none is counted twice.
            tail = window[-4:]
    return False


def _check_workbook(source: str, data: bytes, limits: ReadLimits) -> None:
    """Refuse a workbook that unpacks to more than the limit, by the sizes its zip directory
    declares, or that has a sheet of more rows than the limit, before openpyxl reads it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
            if unpacked > limits.max_unpacked_mb * 1024 * 1024:
                raise _bad_file(
                    source,
                    Message(
                        "unpacks to {mb} MB, more than the {most} MB one workbook may; split it, or "
                        "raise the limit with the setting KETEN_MAX_UNPACKED_MB",
                        mb=float(round(unpacked / 1024 / 1024)),
                        most=float(limits.max_unpacked_mb),
                    ),
                )
            sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
            for name in sheets:
                if _sheet_rows_over(archive, name, limits.max_rows + 1):
                    raise _too_many_rows(f"{source}[{name}]", limits)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _bad_file(
            source, Message("is not an XLSX workbook ({reason})", reason=f"{exc.__class__.__name__}: {exc}")
        ) from None


def _broken_member(data: bytes) -> str | None:
    """Return the name of the workbook's first XML part that does not parse, if one does not."""
    from xml.etree.ElementTree import ParseError, iterparse

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if not name.endswith((".xml", ".rels")):
                continue
            try:
                with archive.open(name) as member:
                    for _ in iterparse(member):
                        pass
            except (ParseError, zipfile.BadZipFile, OSError, ValueError):
                return name
    return None


def _read_sheet(sheet: Any, name: str, limits: ReadLimits) -> Table | None:
    """Return a sheet's header and rows as a table of no kind yet, or None for an empty sheet."""
    declared = sheet.max_row
    if isinstance(declared, int) and declared > limits.max_rows + 1:
        raise _too_many_rows(name, limits)
    values = sheet.iter_rows(values_only=True)
    header_row = next(values, None)
    if header_row is None:
        return None
    header = [_cell_text(v) for v in header_row]
    rows: list[list[str]] = []
    numbers: list[int] = []
    for number, row in enumerate(values, start=2):
        if number > limits.max_rows + 1:
            raise _too_many_rows(name, limits)
        cells = [_cell_text(v) for v in row]
        if any(c.strip() for c in cells):
            rows.append(cells)
            numbers.append(number)
    return Table(None, name, header, rows, numbers)


def _read_xlsx(source: str, data: bytes, kind: str | None, limits: ReadLimits) -> list[Table]:
    from openpyxl import load_workbook

    _check_workbook(source, data, limits)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, *_SHEET_ERRORS) as exc:
        member = _broken_member(data)
        reason = f"{exc.__class__.__name__}: {exc}"
        raise _bad_file(
            source,
            Message(
                "is not a readable XLSX workbook: its part {member} fails ({reason})",
                member=member,
                reason=reason,
            )
            if member
            else Message("is not a readable XLSX workbook: fails ({reason})", reason=reason),
        ) from None
    tables: list[Table] = []
    try:
        sheets = workbook.worksheets
        for sheet in sheets:
            name = f"{source}[{sheet.title}]"
            try:
                table = _read_sheet(sheet, name, limits)
            except _SHEET_ERRORS as exc:
                raise _bad_file(
                    name,
                    Message(
                        "sheet '{sheet}' cannot be read ({reason}); "
                        "open and save it again in a spreadsheet program",
                        sheet=sheet.title,
                        reason=f"{exc.__class__.__name__}: {exc}",
                    ),
                ) from None
            if table is None:
                continue
            named = kind_from_name(sheet.title) or (kind if len(sheets) == 1 else None)
            table.kind = named or guess_kind(table.header)
            if table.kind is None and not _looks_like_data(table.header):
                continue
            tables.append(table)
    finally:
        workbook.close()
    if not tables:
        raise _bad_file(
            source,
            Message(
                "has no sheet whose name or columns tell a kind ({kinds}); its sheets are {sheets}",
                kinds=_KINDS,
                sheets=tuple(repr(s.title) for s in workbook.worksheets),
            ),
        )
    return tables


def _looks_like_data(header: list[str]) -> bool:
    """Whether a header matches at least two columns of some kind (a notes sheet does not)."""
    return any(sum(1 for c in propose(kind, header) if c) >= 2 for kind in KIND_ORDER)


def _read_json(source: str, data: bytes, kind: str | None, limits: ReadLimits) -> list[Table]:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _bad_file(source, Message("is not valid JSON: {reason}", reason=str(exc))) from None
    if isinstance(document, list) and kind:
        document = {kind: document}
    if not isinstance(document, dict):
        raise _bad_file(source, Message("expected a JSON object with one list of records per kind"))
    tables: list[Table] = []
    for key, records in document.items():
        table_kind = kind_from_name(key)
        if table_kind is None:
            continue
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise _bad_file(source, Message("'{key}' must be a list of objects", key=key))
        if len(records) > limits.max_rows:
            raise _too_many_rows(f"{source}[{key}]", limits)
        header: list[str] = []
        for record in records:
            for name in record:
                if name not in header:
                    header.append(name)
        rows = [[_cell_text(r.get(name)) for name in header] for r in records]
        tables.append(Table(table_kind, f"{source}[{key}]", header, rows, list(range(1, len(rows) + 1))))
    if not tables:
        raise _bad_file(source, Message("has no list named after a kind ({kinds})", kinds=_KINDS))
    return tables


def _refuse_nul(table: Table) -> None:
    """Refuse a table with a NUL character: no database text column can hold one."""
    for cells, number in zip([table.header, *table.rows], [1, *table.row_numbers], strict=True):
        for column, cell in enumerate(cells, start=1):
            if "\x00" in cell:
                raise Problem(
                    422,
                    "Unreadable file",
                    Message(
                        "{file}: row {row}, column {column} holds a NUL character (U+0000), "
                        "which no field may contain",
                        file=table.source,
                        row=number,
                        column=column,
                    ),
                    errors=[
                        {
                            "file": table.source,
                            "row": number,
                            "column": column,
                            "message": Message("holds a NUL character (U+0000)"),
                        }
                    ],
                )


def read_file(
    filename: str,
    data: bytes,
    *,
    kind: str | None = None,
    encoding: str | None = None,
    limits: ReadLimits | None = None,
) -> list[Table]:
    """Return the tables in one file's bytes.

    The kind comes from ``kind``, the file or sheet name, or the columns; a table none of them
    tells has kind None.
    """
    tables = _read_any(filename, data, kind=kind, encoding=encoding, limits=limits or ReadLimits())
    for table in tables:
        _refuse_nul(table)
    return tables


def _read_any(
    filename: str, data: bytes, *, kind: str | None, encoding: str | None, limits: ReadLimits
) -> list[Table]:
    source = Path(filename).name or filename
    suffix = Path(filename).suffix.lower()
    if kind is not None and kind not in KIND_ORDER:
        raise Problem(
            422,
            "Unknown kind",
            Message("'{kind}' is not a kind; expected one of {kinds}", kind=kind, kinds=_KINDS),
        )
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(source, data, kind, limits)
    if suffix == ".json":
        return _read_json(source, data, kind, limits)
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(source, data, kind, limits)
    table_kind = kind or kind_from_name(source)
    if suffix not in (".csv", ".txt", ".tsv", ""):
        raise _bad_file(
            source, Message("has the extension '{suffix}'; expected .csv, .xlsx or .json", suffix=suffix)
        )
    return [_read_csv(source, data, table_kind, encoding, limits)]


def read_path(
    path: Path, *, kind: str | None = None, encoding: str | None = None, limits: ReadLimits | None = None
) -> list[Table]:
    """Return the tables in a file, or in every CSV, XLSX and JSON file of a folder."""
    tables: list[Table] = []
    # A kind given names the kind of one file; a folder's files each tell their own.
    given = None if path.is_dir() else kind
    for child in files_of(path):
        tables.extend(read_file(str(child), child.read_bytes(), kind=given, encoding=encoding, limits=limits))
    return tables


def files_of(path: Path) -> list[Path]:
    """Return the file at ``path``, or the CSV, XLSX and JSON files of the folder at ``path``."""
    if path.is_dir():
        files = [
            child
            for child in sorted(path.iterdir())
            if child.is_file() and child.suffix.lower() in (".xlsx", ".xlsm", ".json", ".csv", ".tsv")
        ]
        if not files:
            raise _bad_file(str(path), Message("holds no CSV, XLSX or JSON file"))
        return files
    if not path.exists():
        raise _bad_file(str(path), Message("does not exist"))
    return [path]
