"""Files as Dutch ERP systems and Excel write them: semicolons, decimal commas, Windows-1252,
their own column and file names; kinds told by columns; column mappings saved by name."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from keten.catalog.models import BomLine, Part
from keten.dataio import columns, mappings, review, service
from keten.dataio.tables import read_file
from keten.problems import Problem

# An item list as an ERP report writes it from Dutch Excel: Windows-1252 with a byte order mark
# that some tools put in front anyway, semicolons, decimal commas and thousands points.
ARTIKELEN = (
    "Artikelnummer;Omschrijving;Artikelsoort;Eenheid;Gewicht (g);Verkoopprijs;Artikelgroep\r\n"
    "WS-1000;Wafertafel compleet;product;stuks;125.400,5;1.250.000,00;machine\r\n"
    "LM-200;Lineaire motor ø40;assembly;stuks;12.000;;motor\r\n"
    "MB-016;Magneetblok NdFeB;component;stuks;250,5;;magneet\r\n"
    "KB-001;Motorkabel;component;m;85;;kabel\r\n"
)
STUKLIJST = (
    "Hoofdartikel;Artikelnummer;Aantal;Eenheid;Positie\r\n"
    "WS-1000;LM-200;2;;10\r\n"
    "WS-1000;KB-001;3,5;m;20\r\n"
    "LM-200;MB-016;16;;10\r\n"
    "LM-200;KB-001;500;mm;20\r\n"
)


def cp1252(text: str) -> bytes:
    return text.encode("cp1252")


def test_a_dutch_item_list_and_bom_import_by_their_columns_alone(session: Session) -> None:
    (items,) = read_file("Artikelen export 2026-11.csv", cp1252(ARTIKELEN))
    (bom,) = read_file("stuklijst_export.csv", b"\xef\xbb\xbf" + STUKLIJST.encode())
    assert (items.kind, bom.kind) == ("parts", "bom")
    assert items.decimal_comma and bom.decimal_comma
    report = service.import_tables(session, [bom, items])
    assert report.products == ["WS-1000"]
    masses = dict(session.execute(select(Part.part_number, Part.mass_kg)).all())
    assert masses == {
        "WS-1000": pytest.approx(125.4005),  # "125.400,5" grams
        "LM-200": pytest.approx(12.0),  # "12.000" grams: the column uses decimal commas, so a point groups
        "MB-016": pytest.approx(0.2505),
        "KB-001": pytest.approx(0.085),
    }
    stage = session.scalars(select(Part).where(Part.part_number == "WS-1000")).one()
    assert stage.revenue_per_unit_eur == pytest.approx(1_250_000.0) and stage.category == "machine"
    assert (
        session.scalars(select(Part.name).where(Part.part_number == "LM-200")).one() == "Lineaire motor ø40"
    )
    quantities = sorted(session.scalars(select(BomLine.quantity)))
    assert quantities == pytest.approx([0.5, 2.0, 3.5, 16.0])


def test_a_point_stays_a_decimal_point_in_a_column_without_decimal_commas(session: Session) -> None:
    text = "Artikelnummer;Omschrijving;Soort;Gewicht\nP1;Bout;component;0.5\nP2;Moer;component;1.250\n"
    (table,) = read_file("export.csv", text.encode())
    service.import_tables(session, [table])
    masses = dict(session.execute(select(Part.part_number, Part.mass_kg)).all())
    assert masses == {"P1": pytest.approx(0.5), "P2": pytest.approx(1.25)}


def test_the_delimiter_is_the_one_that_splits_every_line_alike() -> None:
    # The header's quoted name holds commas; the lines are split by semicolons.
    text = '"Artikelnummer, intern";Omschrijving;Soort\nP1;Bout, M6;component\nP2;Moer, M6;component\n'
    (table,) = read_file("export.csv", text.encode())
    assert table.header == ["Artikelnummer, intern", "Omschrijving", "Soort"]
    assert table.rows[0] == ["P1", "Bout, M6", "component"]
    (tabs,) = read_file("export.txt", b"part_number\tname\tkind\nP1\tBolt, M6\tcomponent\n")
    assert tabs.rows[0] == ["P1", "Bolt, M6", "component"] and not tabs.decimal_comma


def test_a_workbook_with_dutch_sheet_names_is_read_by_its_columns() -> None:
    workbook = Workbook()
    notes = workbook.active
    assert notes is not None
    notes.title = "Toelichting"
    notes.append(["Export uit het ERP-systeem, november"])
    items = workbook.create_sheet("Artikelen")
    for line in ARTIKELEN.splitlines():
        items.append(line.split(";"))
    bom = workbook.create_sheet("Stuklijst")
    for line in STUKLIJST.splitlines():
        bom.append(line.split(";"))
    data = io.BytesIO()
    workbook.save(data)
    tables = read_file("erp.xlsx", data.getvalue())
    assert [(t.source, t.kind) for t in tables] == [
        ("erp.xlsx[Artikelen]", "parts"),
        ("erp.xlsx[Stuklijst]", "bom"),
    ]


def test_proposals_follow_the_synonyms_and_give_way_to_the_users_choice() -> None:
    header = ["Nummer", "Omschrijving", "Soort", "Gewicht (kg)", "Opmerking", "Naam"]
    assert columns.propose("parts", header) == [None, "name", "kind", "mass", "description", None]
    chosen = columns.propose("parts", header, {"Nummer": "part_number", "Opmerking": "", "Naam": "name"})
    # The user's "Naam" → name wins over the proposal of "Omschrijving" for the same column.
    assert chosen == ["part_number", None, "kind", "mass", None, "name"]
    assert columns.guess_kind(["Nummer", "Omschrijving", "Soort"]) == "parts"
    assert columns.guess_kind(["Opmerking", "Datum"]) is None
    assert columns.header_unit("Gewicht (g)") == "g" and columns.header_unit("Levertijd (dagen)") is None


def test_every_file_with_an_unknown_kind_or_bad_cells_is_reported_at_once(session: Session) -> None:
    unknown = read_file("notities.csv", b"Datum;Opmerking\n2026-11-01;klaar\n")
    items = read_file("artikelen.csv", cp1252(ARTIKELEN.replace("250,5", "twee")))
    bom = read_file("stuklijst.csv", STUKLIJST.replace(";2;", ";-2;").encode())
    with pytest.raises(service.ImportFailed) as caught:
        service.import_tables(session, [*unknown, *items, *bom])
    session.rollback()
    where = {(e["file"], e["row"], e["column"]) for e in caught.value.errors}
    assert ("notities.csv", None, None) in where
    assert ("artikelen.csv", 4, "mass") in where
    message = next(e["message"] for e in caught.value.errors if e["file"] == "notities.csv")
    assert "choose its kind" in message
    assert session.scalars(select(Part)).first() is None


def test_a_saved_mapping_is_applied_when_the_headers_match_and_when_chosen_by_name(session: Session) -> None:
    own = "Nr;Tekst;Soort\nP1;Bout;component\n"
    columns_map = {"Nr": "part_number", "Tekst": "name", "Soort": "kind"}
    saved = mappings.save(session, kind="parts", name="ERP artikelen", columns=columns_map, username="ed")
    assert (saved.kind, saved.saved_by) == ("parts", "ed") and saved.saved_at is not None
    (table,) = read_file("export.csv", own.encode())
    assert mappings.apply(session, [table]) == {"export.csv": "ERP artikelen"}
    assert table.kind == "parts"
    service.import_tables(session, [table])
    assert session.scalars(select(Part.name)).one() == "Bout"
    # Next month a column was added: the named mapping still applies, the automatic one does not.
    (changed,) = read_file("export.csv", b"Nr;Tekst;Soort;Extra\nP2;Moer;component;x\n")
    (other,) = read_file("export.csv", b"Nr;Tekst\nP2;Moer\n")
    assert mappings.apply(session, [other]) == {}
    assert mappings.apply(session, [changed], name="ERP artikelen") == {"export.csv": "ERP artikelen"}
    again = mappings.save(
        session, kind="parts", name="ERP artikelen", columns={"Nr": "part_number"}, username="an"
    )
    assert again.id == saved.id and again.columns == {"Nr": "part_number"}
    with pytest.raises(Problem, match="'weight' is not a column of parts"):
        mappings.save(session, kind="parts", name="x", columns={"Gewicht": "weight"}, username=None)
    with pytest.raises(Problem, match="no column mapping is saved as 'nope'; saved: ERP artikelen"):
        mappings.apply(session, [changed], name="nope")


def test_the_preview_shows_rows_as_keten_reads_them() -> None:
    (bom,) = read_file(
        "stuklijst.csv", b"Hoofdartikel;Artikelnummer;Aantal;Positie\n0012;0034;3,5;010\n0012;0035;;020\n"
    )
    shown = review.review(bom)
    assert shown.kind == "bom" and shown.missing == []
    assert shown.fields == ["parent", "child", "quantity", "position"]
    first, second = shown.rows
    # Part numbers keep their leading zeros; the quantity is read with its decimal comma.
    assert first.values == {
        "parent": "0012",
        "child": "0034",
        "quantity": 3.5,
        "unit": None,
        "position": "010",
    }
    assert second.error == "quantity: is empty; a quantity is required"
    (items,) = read_file("artikelen.csv", cp1252(ARTIKELEN))
    items.mapping = {"Artikelgroep": ""}
    parts = review.review(items)
    assert [c.column for c in parts.choices] == [
        "part_number",
        "name",
        "kind",
        "unit",
        "mass",
        "revenue_per_unit_eur",
        None,
    ]
    assert parts.rows[0].values["mass_kg"] == pytest.approx(125.4005) and "category" not in parts.fields
