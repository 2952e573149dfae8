"""The AAS forms of a passport over HTTP: the resolver's content negotiation, the API's AAS JSON and
AASX downloads filtered by tier, the upload of a supplier's AASX, and the commands."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from aas_test_engines import file as checker
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.dataio import demo
from keten.footprints.models import SupplierPcf
from keten.passports import aas_export, service

from .conftest import GTIN, RESOLVER

SERIAL = demo.DEMO_SERIALS[0]
AAS_JSON = "application/aas+json"
AASX = "application/asset-administration-shell-package+xml"
NAMEPLATE = "https://admin-shell.io/zvei/nameplate/2/0/Nameplate"


@pytest.fixture
def demo_passports(engine: Engine) -> None:
    with Session(engine) as session:
        demo.load(session, passports=True, resolver=RESOLVER)
        session.commit()


def _semantic_ids(environment: dict[str, object]) -> set[str]:
    return {
        str(s["semanticId"]["keys"][0]["value"])  # type: ignore[index]
        for s in environment["submodels"]  # type: ignore[attr-defined]
        if "semanticId" in s
    }


def test_the_resolver_answers_a_machine_that_asks_for_aas_json(
    anonymous_client: TestClient, client: TestClient, demo_passports: None
) -> None:
    public = anonymous_client.get(f"/01/{GTIN}/21/{SERIAL}", headers={"Accept": AAS_JSON})
    assert public.status_code == 200, public.text
    assert public.headers["content-type"].startswith(AAS_JSON)
    environment = public.json()
    shell = environment["assetAdministrationShells"][0]
    assert shell["assetInformation"]["globalAssetId"].endswith(f"/01/{GTIN}/21/{SERIAL}")
    assert shell["assetInformation"]["assetKind"] == "Instance"
    assert NAMEPLATE in _semantic_ids(environment)
    # The owner sees more than the public: the tier filters the AAS as it filters every format.
    owner = client.get(f"/01/{GTIN}/21/{SERIAL}", headers={"Accept": AAS_JSON}).json()
    assert len(json.dumps(owner)) > len(json.dumps(environment))
    # A browser still gets the page, and a machine asking for JSON-LD still gets JSON-LD.
    assert (
        "text/html"
        in anonymous_client.get(f"/01/{GTIN}", headers={"Accept": "text/html"}).headers["content-type"]
    )
    assert anonymous_client.get(f"/01/{GTIN}", headers={"Accept": "application/ld+json"}).json()["@context"]


def test_an_aasx_download_passes_the_official_checker(
    anonymous_client: TestClient, demo_passports: None, engine: Engine, tmp_path: Path
) -> None:
    with Session(engine) as session:
        item = service.find(session, gtin=GTIN, serial=SERIAL)
    package = anonymous_client.get(f"/api/passports/{item.uid}/aas.aasx")
    assert package.status_code == 200 and package.headers["content-type"] == AASX
    assert f'filename="WS-1000-{SERIAL}.aasx"' in package.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(package.content)) as archive:
        assert "[Content_Types].xml" in archive.namelist()
    target = tmp_path / "item.aasx"
    target.write_bytes(package.content)
    with target.open("rb") as handle:
        result = checker.check_aasx_file(handle)
    assert result.ok()
    by_resolver = anonymous_client.get(f"/01/{GTIN}/21/{SERIAL}", headers={"Accept": AASX})
    assert by_resolver.headers["content-type"] == AASX
    assert (
        anonymous_client.get(
            "/api/passports/urn:uuid:00000000-0000-0000-0000-000000000000/aas.json"
        ).status_code
        == 404
    )


def test_an_editor_uploads_a_supplier_aasx_and_it_becomes_primary_data(
    client: TestClient, demo_passports: None, engine: Engine
) -> None:
    out = io.BytesIO()
    with Session(engine) as session:
        aas_export.export_aasx(session, part_number="WS-1000", out=out, tier="public")
        before = session.scalar(select(func.count()).select_from(SupplierPcf))
    answer = client.post(
        "/api/passport-aasx",
        files={"file": ("stage.aasx", out.getvalue(), AASX)},
        data={"part_number": "WS-1000", "organization": "KEMPEN-MECH"},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["part_number"] == "WS-1000" and body["organization"] == "KEMPEN-MECH" and body["created"]
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(SupplierPcf)) == before + 1
    refused = client.post("/api/passport-aasx", files={"file": ("notes.aasx", b"not a package", AASX)})
    assert refused.status_code == 422 and "notes.aasx" in refused.json()["detail"]


def test_the_commands_export_and_import_an_aasx(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    env = {**os.environ, "KETEN_DATABASE_URL": url, "COLUMNS": "200"}

    def keten(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-c", "from keten.cli import main; main()", *args]
        return subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)

    assert keten("demo", "--load-only").returncode == 0
    assert keten("footprint", "calculate", "WS-1000").returncode == 0
    target = tmp_path / "ws.aasx"
    exported = keten("passport", "aasx-export", "WS-1000", "--out", str(target))
    assert exported.returncode == 0, exported.stderr
    assert target.is_file() and "Nameplate" in exported.stdout
    imported = keten(
        "passport", "aasx-import", str(target), "--part", "WS-1000", "--organization", "KEMPEN-MECH"
    )
    assert imported.returncode == 0, imported.stderr
    assert "WS-1000" in imported.stdout and "kg CO2e per unit" in imported.stdout
    assert "nameplate of " in imported.stdout and "stored" in imported.stdout
    again = keten(
        "passport", "aasx-import", str(target), "--part", "WS-1000", "--organization", "KEMPEN-MECH"
    )
    assert again.returncode == 0, again.stderr
    assert "replaced the one held" in again.stdout
    missing = keten("passport", "aasx-import", str(tmp_path / "none.aasx"))
    assert missing.returncode != 0 and "no such file" in (missing.stderr + missing.stdout)
    # Without --gtin, the product's own GTIN (from its passport input) names the asset.
    assert keten("passport", "input", str(demo.DEMO_DIR / "passports")).returncode == 0
    named = keten("passport", "aasx-export", "WS-1000", "--out", str(target))
    assert named.returncode == 0, named.stderr
    assert "/01/08712345001001 (" in named.stdout
