"""Import of every kind, good and bad files, atomicity and re-import, on SQLite and PostgreSQL."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from keten.catalog.models import BomLine, Material, Part, PartMaterial, Stock
from keten.dataio import service
from keten.dataio.tables import read_file
from keten.partners.models import Organization, Site, Sourcing
from keten.problems import Problem

FILES = {
    "organizations.csv": """\
        code,name,role,country,kvk,lei,gln
        OWN,Brainport Test Systems B.V.,own,NL,12345678,,
        SUP1,Magnet Works GmbH,supplier,DE,,,
        SUP2,Ceramics KK,supplier,JP,,,
        """,
    "sites.csv": """\
        code,organization,name,country,city
        OWN-VHV,OWN,Veldhoven,NL,Veldhoven
        SUP1-A,SUP1,Aachen plant,DE,Aachen
        SUP2-N,SUP2,Nagoya plant,JP,Nagoya
        """,
    "materials.csv": """\
        code,name,family,cas_number
        AL6061,Aluminium 6061,metal,
        NdFeB,NdFeB magnet alloy,metal,
        Nd,Neodymium,metal,7440-00-8
        SiC,Silicon carbide,ceramic,409-21-2
        """,
    "parts.csv": """\
        part_number,name,kind,unit,mass,category
        STAGE,Wafer stage,product,pcs,120 kg,
        MOTOR,Linear motor,assembly,pcs,12 kg,motor
        MAGNET,Magnet block,component,pcs,250 g,magnet
        CHUCK,SiC chuck,component,pcs,8,ceramic-part
        CABLE,Motor cable,component,m,0.2,cable
        """,
    "bom.csv": """\
        parent,child,quantity,unit,position
        STAGE,MOTOR,2,,10
        STAGE,CHUCK,1,,20
        STAGE,CABLE,3.5 m,,30
        MOTOR,MAGNET,16,,10
        MOTOR,CABLE,500,mm,20
        """,
    "composition.csv": """\
        part_number,material,mass,mass_fraction,recycled_share
        MAGNET,NdFeB,,70 %,0
        MAGNET,Nd,75 g,,0.1
        CHUCK,SiC,7.5 kg,,
        """,
    "sourcing.csv": """\
        part_number,site,share,lead_time_days,price_eur,qualified_alternate
        MAGNET,SUP1-A,0.6,60,45.5,no
        MAGNET,SUP2-N,40 %,90,41,yes
        CHUCK,SUP2-N,1,120,18000,no
        """,
    "stock.csv": """\
        part_number,on_hand,safety_stock,weekly_usage
        MAGNET,400,64,32
        CHUCK,3,1,2
        """,
}


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


def run_import(session: Session, path: Path, **kwargs: object) -> service.ImportReport:
    report = service.import_tables(session, service.read_path(path), **kwargs)  # type: ignore[arg-type]
    session.commit()
    return report


def failing(session: Session, path: Path, **kwargs: object) -> service.ImportFailed:
    with pytest.raises(service.ImportFailed) as caught:
        service.import_tables(session, service.read_path(path), **kwargs)  # type: ignore[arg-type]
    session.rollback()
    return caught.value


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def messages(problem: service.ImportFailed) -> list[str]:
    return [f"{e['file']}:{e['row']}:{e['column']}: {e['message']}" for e in problem.errors]


@pytest.fixture
def chain(tmp_path: Path) -> Path:
    return write(tmp_path / "chain", FILES)


def test_full_import_stores_every_kind_with_units_converted(session: Session, chain: Path) -> None:
    report = run_import(session, chain)
    assert [r.kind for r in report.results] == list(
        ("organizations", "sites", "materials", "parts", "bom", "composition", "sourcing", "stock")
    )
    assert count(session, Part) == 5 and count(session, BomLine) == 5 and count(session, Sourcing) == 3
    magnet = session.scalars(select(Part).where(Part.part_number == "MAGNET")).one()
    assert magnet.mass_kg == pytest.approx(0.25)
    cable_in_motor = session.scalars(
        select(BomLine)
        .join(Part, BomLine.parent_id == Part.id)
        .where(Part.part_number == "MOTOR", BomLine.position == "20")
    ).one()
    assert cable_in_motor.quantity == pytest.approx(0.5)  # 500 mm of a part counted in m
    ndfeb = session.scalars(select(PartMaterial).join(Material).where(Material.code == "NdFeB")).one()
    assert ndfeb.mass_kg == pytest.approx(0.175)  # 70 % of 250 g
    alternate = session.scalars(select(Sourcing).where(Sourcing.qualified_alternate.is_(True))).one()
    assert alternate.share == pytest.approx(0.4)
    assert alternate.qualified_alternate is True and alternate.lead_time_days == 90
    assert session.scalar(select(Stock.on_hand).join(Part).where(Part.part_number == "CHUCK")) == 3


def test_reimport_changes_nothing_and_an_edit_updates_in_place(
    session: Session, chain: Path, tmp_path: Path
) -> None:
    run_import(session, chain)
    again = run_import(session, chain)
    assert all(r.inserted == r.updated == r.deleted == 0 for r in again.results)
    assert sum(r.unchanged for r in again.results) == again.rows

    edited = dict(FILES)
    edited["parts.csv"] = FILES["parts.csv"].replace("Magnet block", '"Magnet block, coated"')
    edited["bom.csv"] = FILES["bom.csv"].replace("        MOTOR,CABLE,500,mm,20\n", "")
    report = run_import(session, write(tmp_path / "edited", edited))
    by_kind = {r.kind: r for r in report.results}
    assert by_kind["parts"].updated == 1 and by_kind["parts"].inserted == 0
    assert by_kind["bom"].deleted == 1
    magnet = session.scalars(select(Part).where(Part.part_number == "MAGNET")).one()
    session.refresh(magnet)
    assert magnet.name == "Magnet block, coated" and magnet.revision == 2
    assert count(session, Part) == 5 and count(session, BomLine) == 4


def test_error_in_last_file_writes_nothing_from_earlier_files(session: Session, chain: Path) -> None:
    (chain / "stock.csv").write_text("part_number,on_hand\nMAGNET,-4\n", encoding="utf-8")
    problem = failing(session, chain)
    assert messages(problem) == [
        "stock.csv:2:on_hand: on_hand: -4 is negative; expected a number of at least 0"
    ]
    assert count(session, Organization) == count(session, Part) == count(session, BomLine) == 0


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "organizations.csv",
            "code,name,role\nA,Acme,vendor\n",
            "organizations.csv:2:role: role: 'vendor' is not one of own, supplier, customer, partner",
        ),
        (
            "organizations.csv",
            "code,name,role,country\nA,Acme,supplier,XX\n",
            "organizations.csv:2:country: country:",
        ),
        (
            "organizations.csv",
            "code,name,role,lei\nA,Acme,supplier,529900T8BM49AURSDO56\n",
            "organizations.csv:2:lei: lei:",
        ),
        (
            "organizations.csv",
            "code,name,role\nA,Acme,own\nB,Beta,own\n",
            "organizations.csv:None:role: only one organization can be 'own'",
        ),
        ("parts.csv", "part_number,name,kind,unit\nP1,Bolt,component,kgg\n", "parts.csv:2:unit: unit:"),
        ("parts.csv", "part_number,name,kind,mass\nP1,Bolt,component,-3 g\n", "parts.csv:2:mass: mass:"),
        (
            "parts.csv",
            "part_number,name,kind\nP1,Bolt,widget\n",
            "parts.csv:2:kind: kind: 'widget' is not one of",
        ),
        (
            "parts.csv",
            "part_number,name,kind\nP1,Bolt,component\nP1,Nut,component\n",
            "parts.csv:3:part_number: duplicate part_number='P1': already on row 2",
        ),
        (
            "parts.csv",
            "part_number,name\nP1,Bolt\n",
            "parts.csv:1:kind: missing required column kind; the header has 'part_number', 'name'",
        ),
        (
            "sites.csv",
            "code,organization,name,country\nS1,NOPE,Plant,DE\n",
            "sites.csv:2:organization: organization: no organization with code 'NOPE'",
        ),
        (
            "stock.csv",
            "part_number,on_hand\nP1,many\n",
            "stock.csv:2:on_hand: on_hand: 'many' is not a number",
        ),
    ],
)
def test_bad_rows_are_named_by_file_row_and_column(
    session: Session, tmp_path: Path, name: str, text: str, expected: str
) -> None:
    problem = failing(session, write(tmp_path / "bad", {name: text}))
    assert any(m.startswith(expected) for m in messages(problem)), messages(problem)
    assert count(session, Organization) == count(session, Part) == 0


def test_bom_cycle_is_rejected_with_its_path(session: Session, chain: Path, tmp_path: Path) -> None:
    run_import(session, chain)
    cyclic = write(tmp_path / "cyclic", {"bom.csv": "parent,child,quantity\nMAGNET,STAGE,1\n"})
    problem = failing(session, cyclic)
    (message,) = messages(problem)
    assert "cycle" in message and "STAGE → MOTOR → MAGNET → STAGE" in message
    assert count(session, BomLine) == 5


@pytest.mark.parametrize(
    ("row", "fragment"),
    [
        ("STAGE,MAGNET,2 kg", "does not fit"),
        ("STAGE,MAGNET,-1", "quantity"),
        ("STAGE,MAGNET,two", "quantity"),
        ("STAGE,GHOST,1", "no part with part number 'GHOST'"),
        ("STAGE,STAGE,1", "cannot contain itself"),
    ],
)
def test_bad_bom_lines(session: Session, chain: Path, tmp_path: Path, row: str, fragment: str) -> None:
    run_import(session, chain)
    problem = failing(session, write(tmp_path / "b", {"bom.csv": f"parent,child,quantity\n{row}\n"}))
    assert any(fragment in m for m in messages(problem)), messages(problem)


def test_composition_heavier_than_part_and_unknown_material(
    session: Session, chain: Path, tmp_path: Path
) -> None:
    run_import(session, chain)
    bad = "part_number,material,mass\nMAGNET,Nd,300 g\nMAGNET,Unobtainium,1 g\n"
    problem = failing(session, write(tmp_path / "c", {"composition.csv": bad}))
    text = "\n".join(messages(problem))
    assert "no material with code 'Unobtainium'" in text


def test_sourcing_shares_above_one_are_rejected(session: Session, chain: Path, tmp_path: Path) -> None:
    run_import(session, chain)
    bad = "part_number,site,share,lead_time_days\nMAGNET,SUP1-A,0.7,10\nMAGNET,SUP2-N,0.7,10\n"
    problem = failing(session, write(tmp_path / "s", {"sourcing.csv": bad}))
    assert any("add up to 1.4" in m for m in messages(problem)), messages(problem)


def test_column_mapping_and_semicolons_with_decimal_commas(session: Session, tmp_path: Path) -> None:
    text = "Artikelnummer;Omschrijving;Soort;Gewicht\nP1;Bout M6;component;0,012\n"
    folder = write(tmp_path / "nl", {"parts.csv": text})
    mapping = {"Artikelnummer": "part_number", "Omschrijving": "name", "Soort": "kind", "Gewicht": "mass"}
    run_import(session, folder, mapping=mapping)
    part = session.scalars(select(Part)).one()
    assert (part.part_number, part.name, part.mass_kg) == ("P1", "Bout M6", pytest.approx(0.012))


def test_byte_order_mark_and_windows_1252_are_read_and_other_encodings_get_a_clear_message(
    session: Session,
) -> None:
    (table,) = read_file("parts.csv", "\ufeffpart_number,name,kind\nP1,Bolt,component\n".encode())
    assert table.header[0] == "part_number"
    latin = "part_number,name,kind\nP1,Ringmoer Ø6 – verzinkt,component\n".encode("cp1252")
    (decoded,) = read_file("parts.csv", latin)
    assert decoded.rows[0][1] == "Ringmoer Ø6 – verzinkt"
    with pytest.raises(Problem) as caught:
        read_file("parts.csv", b"part_number,name,kind\nP1,Bolt \x81,component\n")
    assert "neither UTF-8 nor Windows-1252" in str(caught.value) and "line 2" in str(caught.value)
    (named,) = read_file(
        "parts.csv", "part_number,name,kind\nP1,Ø,component\n".encode("latin-1"), encoding="latin-1"
    )
    assert named.rows[0][1] == "Ø"


def test_a_file_that_claims_to_be_xlsx_but_is_not(session: Session) -> None:
    with pytest.raises(Exception, match="is not an XLSX workbook"):
        read_file("parts.xlsx", b"part_number,name\n")


def test_xlsx_workbook_with_a_sheet_per_kind(session: Session, chain: Path, tmp_path: Path) -> None:
    run_import(session, chain)
    files = service.write_export(service.export_tables(session), "xlsx")
    (data,) = files.values()
    tables = read_file("export.xlsx", data)
    assert {t.kind for t in tables} == {
        "organizations",
        "sites",
        "materials",
        "parts",
        "bom",
        "composition",
        "sourcing",
        "stock",
    }
    report = service.import_tables(session, tables)
    assert sum(r.inserted + r.updated + r.deleted for r in report.results) == 0


def test_errors_are_capped_but_counted(session: Session, tmp_path: Path) -> None:
    rows = "".join(f"P{i},Part {i},gadget\n" for i in range(500))
    problem = failing(
        session, write(tmp_path / "many", {"parts.csv": "part_number,name,kind\n" + rows}), max_errors=200
    )
    assert len(problem.errors) == 200
    assert problem.extensions["total_errors"] == 500
    assert "500 errors (the first 200 are listed)" in (problem.detail or "")


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_export_then_import_into_an_empty_database_gives_the_same_export(
    session: Session, chain: Path, tmp_path: Path, fmt: str
) -> None:
    run_import(session, chain)
    first = service.export_tables(session)
    out = tmp_path / f"export-{fmt}"
    service.write_export(first, fmt, out if fmt == "csv" else out / f"chain.{fmt}")
    for model in (Stock, Sourcing, PartMaterial, BomLine, Part, Material, Site, Organization):
        session.query(model).delete()
    session.commit()
    run_import(session, out)
    assert service.export_tables(session) == first


def test_a_changed_bom_or_composition_raises_the_parts_revision(
    session: Session, chain: Path, tmp_path: Path
) -> None:
    run_import(session, chain)
    edited = dict(FILES)
    edited["bom.csv"] = FILES["bom.csv"].replace("MOTOR,MAGNET,16", "MOTOR,MAGNET,18")
    edited["composition.csv"] = FILES["composition.csv"].replace("CHUCK,SiC,7.5 kg", "CHUCK,SiC,7.2 kg")
    run_import(session, write(tmp_path / "edited", edited))
    revisions = dict(session.execute(select(Part.part_number, Part.revision)).all())
    assert revisions == {"STAGE": 1, "MOTOR": 2, "MAGNET": 1, "CHUCK": 2, "CABLE": 1}
    run_import(session, write(tmp_path / "again", edited))
    assert dict(session.execute(select(Part.part_number, Part.revision)).all()) == revisions
