"""Imports and exports through the JSON API and the ``keten`` command."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.dataio.test_import import FILES, write

KETEN = str(Path(sys.executable).parent / "keten")


def _uploads(folder: Path) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("files", (p.name, p.read_bytes(), "text/csv")) for p in sorted(folder.iterdir())]


def test_upload_dry_run_then_import_then_export(client: TestClient, tmp_path: Path) -> None:
    folder = write(tmp_path / "chain", FILES)
    dry = client.post("/api/imports", files=_uploads(folder), data={"dry_run": "true"})
    assert dry.status_code == 200, dry.text
    assert dry.json()["dry_run"] is True
    assert client.get("/api/exports/json").json()["parts"] == []

    done = client.post("/api/imports", files=_uploads(folder))
    assert done.status_code == 200, done.text
    parts = next(r for r in done.json()["results"] if r["kind"] == "parts")
    assert parts["inserted"] == 5

    log = client.get("/api/imports").json()
    assert {run["kind"] for run in log} >= {"parts", "bom"}

    single = client.get("/api/exports/csv", params={"kind": "parts"})
    assert single.headers["content-type"].startswith("text/csv")
    assert single.text.splitlines()[0].startswith("part_number,name,kind,unit,mass")
    archive = zipfile.ZipFile(io.BytesIO(client.get("/api/exports/csv").content))
    assert "bom.csv" in archive.namelist()
    workbook = client.get("/api/exports/xlsx")
    assert workbook.content[:2] == b"PK"


def test_upload_with_errors_is_a_problem_and_writes_nothing(client: TestClient) -> None:
    bad = b"part_number,name,kind,mass\nP1,Bolt,component,12 parsecs\n"
    response = client.post("/api/imports", files=[("files", ("parts.csv", bad, "text/csv"))])
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["title"] == "Import rejected" and body["status"] == 422
    assert body["errors"][0]["file"] == "parts.csv" and body["errors"][0]["row"] == 2
    assert body["errors"][0]["column"] == "mass"
    assert client.get("/api/exports/json").json()["parts"] == []


def test_unknown_export_format_is_404(client: TestClient) -> None:
    response = client.get("/api/exports/pdf")
    assert response.status_code == 404 and "export format" in response.json()["detail"]


def test_mapping_in_the_api(client: TestClient) -> None:
    data = b"Artikel;Naam;Soort\nP9;Veer;component\n"
    response = client.post(
        "/api/imports",
        files=[("files", ("artikelen.csv", data, "text/csv"))],
        data={
            "kind": "parts",
            "mapping": json.dumps({"Artikel": "part_number", "Naam": "name", "Soort": "kind"}),
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["results"][0]["inserted"] == 1


def _keten(*args: str, database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KETEN_DATABASE_URL": database_url}
    return subprocess.run(
        [KETEN, *args], capture_output=True, text=True, env=env, cwd=cwd, check=False, timeout=120
    )


def test_cli_import_export_roundtrip_and_error_report(
    database_url: str, engine: object, tmp_path: Path
) -> None:
    folder = write(tmp_path / "chain", FILES)
    done = _keten("import", str(folder), database_url=database_url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "parts" in done.stdout

    out = tmp_path / "out"
    exported = _keten("export", str(out), "--format", "csv", database_url=database_url, cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert (out / "bom.csv").read_text().count("\n") == 6

    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "bom.csv").write_text("parent,child,quantity\nSTAGE,NOPE,1\n")
    failed = _keten("import", str(tmp_path / "bad"), database_url=database_url, cwd=tmp_path)
    assert failed.returncode == 1
    assert "bom.csv, row 2" in failed.stderr and "no part with part number 'NOPE'" in failed.stderr
    assert "Traceback" not in failed.stderr


def test_a_mapping_saved_through_the_api_serves_the_api_and_the_command(
    client: TestClient, database_url: str, tmp_path: Path
) -> None:
    columns = {"Nr": "part_number", "Tekst": "name", "Soort": "kind", "Kg": "mass", "Notitie": ""}
    saved = client.post("/api/import-mappings", json={"kind": "parts", "name": "ERP", "columns": columns})
    assert saved.status_code == 201, saved.text
    assert saved.json()["columns"] == columns and saved.json()["saved_by"].startswith("admin")
    wrong = client.post("/api/import-mappings", json={"kind": "parts", "name": "x", "columns": {"A": "b"}})
    assert wrong.status_code == 422 and "'b' is not a column of parts" in wrong.json()["detail"]
    assert [m["name"] for m in client.get("/api/import-mappings", params={"kind": "parts"}).json()] == ["ERP"]
    assert client.get("/api/import-mappings", params={"kind": "bom"}).json() == []

    export = b"Nr;Tekst;Soort;Kg;Notitie\nP1;Bout;product;0,5;x\n"
    done = client.post("/api/imports", files=[("files", ("maandexport.csv", export, "text/csv"))])
    assert done.status_code == 200, done.text
    assert done.json()["products"] == ["P1"]

    # Next month's export has a column more: the command applies the mapping chosen by its name.
    (tmp_path / "december.csv").write_bytes(b"Nr;Tekst;Soort;Kg;Notitie;Nieuw\nP2;Moer;component;1,25;;\n")
    ran = _keten(
        "import",
        str(tmp_path / "december.csv"),
        "--mapping-name",
        "ERP",
        database_url=database_url,
        cwd=tmp_path,
    )
    assert ran.returncode == 0, ran.stderr
    parts = {p["part_number"]: p for p in client.get("/api/exports/json").json()["parts"]}
    assert parts["P2"]["mass"] == 1.25 and parts["P2"]["name"] == "Moer"
    unknown = _keten(
        "import",
        str(tmp_path / "december.csv"),
        "--mapping-name",
        "SAP",
        database_url=database_url,
        cwd=tmp_path,
    )
    assert unknown.returncode == 1 and "no column mapping is saved as 'SAP'" in unknown.stderr

    mapping_id = saved.json()["id"]
    assert client.delete(f"/api/import-mappings/{mapping_id}").status_code == 204
    assert client.delete(f"/api/import-mappings/{mapping_id}").status_code == 404


def test_a_long_import_shows_rows_read_and_rows_written(monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.console import Console

    from keten.dataio import cli

    screen = io.StringIO()
    monkeypatch.setattr(cli, "err_console", Console(file=screen, force_terminal=True, width=100))
    with cli._lazy_progress(delay_s=0.0) as progress:
        progress("read", 40_000, 100_000)
        progress("written", 15_000, 100_000)
    shown = screen.getvalue()
    assert "rows read" in shown and "40000/100000" in shown
    assert "rows written" in shown and "15000/100000" in shown


def test_an_unreadable_file_is_reported_with_the_errors_of_the_other_files(client: TestClient) -> None:
    files = [
        ("files", ("artikelen.xlsx", b"not a workbook", "application/octet-stream")),
        ("files", ("parts.csv", b"part_number,name,kind\nP1,Bolt,gizmo\n", "text/csv")),
        ("files", ("notes.csv", b"Datum;Notitie\n2026-11-01;x\n", "text/csv")),
    ]
    response = client.post("/api/imports", files=files)
    assert response.status_code == 422
    body = response.json()
    assert body["total_errors"] == 3
    assert {e["file"] for e in body["errors"]} == {"artikelen.xlsx", "parts.csv", "notes.csv"}
    assert client.get("/api/exports/json").json()["parts"] == []


def test_the_command_reports_every_file_of_a_folder_at_once(
    database_url: str, engine: object, tmp_path: Path
) -> None:
    folder = tmp_path / "erp"
    folder.mkdir()
    (folder / "Artikelen.xlsx").write_bytes(b"not a workbook")
    (folder / "stuklijst_export.csv").write_bytes(b"Hoofdartikel;Artikelnummer;Aantal\nA;B;veel\n")
    failed = _keten("import", str(folder), database_url=database_url, cwd=tmp_path)
    assert failed.returncode == 1
    assert "Artikelen.xlsx" in failed.stderr and "is not an XLSX workbook" in failed.stderr
    assert "stuklijst_export.csv, row 2" in failed.stderr and "'veel' is not a quantity" in failed.stderr
