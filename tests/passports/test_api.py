"""Passports over HTTP: every tier against every format, the resolver's content negotiation, QR
codes that decode to the Digital Link, the published keys and JSON-LD context, and the CLI."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import zxingcpp
from fastapi.testclient import TestClient
from pyld import jsonld as pyld
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.passports import jsonld, service
from keten.passports.models import TIERS
from keten.passports.resolver import best_format
from keten.settings import Settings
from tests.factories import make_org

from .conftest import GTIN, RESOLVER, Product, marker_content, reader

MARKER = re.compile(r"MRK(\d)T\d{5}X")
HTML = {"Accept": "text/html"}


def _issue(engine: Engine, *serials: str) -> tuple[str, str]:
    """Return (model uid, first item uid) after issuing P-1 with marker content in its model."""
    with Session(engine) as session:
        [model] = service.issue(session, part_number="P-1", resolver=RESOLVER)
        service.revise(session, passport_id=model.uid, resolver=RESOLVER, content=marker_content())
        items = service.issue(session, part_number="P-1", level="item", serials=serials, resolver=RESOLVER)
        session.commit()
        return model.uid, items[0].uid


def test_every_tier_against_every_format_sees_nothing_above_it(
    engine: Engine, settings: Settings, product: Product
) -> None:
    model_uid, item_uid = _issue(engine, "S1")
    formats = {
        "json": (f"/api/passports/{item_uid}", {}),
        "jsonld": (f"/api/passports/{item_uid}/jsonld", {}),
        "resolver json": (f"/01/{GTIN}/21/S1", {"Accept": "application/json"}),
        "resolver jsonld": (f"/01/{GTIN}/21/S1", {"Accept": "application/ld+json"}),
        "resolver page": (f"/01/{GTIN}/21/S1", HTML),
        "page": (f"/passports/{item_uid}", HTML),
        "model page": (f"/passports/{model_uid}", HTML),
        "model resolver": (f"/01/{GTIN}", {"Accept": "application/json"}),
    }
    for rank, tier in enumerate(TIERS):
        with reader(engine, settings, tier) as client:
            for name, (path, headers) in formats.items():
                response = client.get(path, headers=headers)
                assert response.status_code == 200, (tier, name, response.text[:300])
                ranks = {int(r) for r in MARKER.findall(response.text)}
                assert ranks and max(ranks) <= rank, f"{tier} got markers of ranks {ranks} in {name}"
                if name in ("json", "jsonld"):
                    assert ranks == set(range(rank + 1)), (tier, name, ranks)
                    assert response.json()["tier"] == tier
            lowered = client.get(f"/api/passports/{item_uid}", params={"tier": "public"}).json()
            assert lowered["tier"] == "public"
            raised = client.get(f"/api/passports/{item_uid}", params={"tier": "owner"}).json()
            assert raised["tier"] == tier  # asking for more than one has gets one's own tier


def test_the_resolver_negotiates_the_format(
    anonymous_client: TestClient, product: Product, engine: Engine
) -> None:
    _issue(engine, "S1")
    page = anonymous_client.get(f"/01/{GTIN}/21/S1", headers=HTML)
    assert page.headers["content-type"].startswith("text/html") and "Digital product passport" in page.text
    assert "Accept" in page.headers["vary"]
    machine = anonymous_client.get(f"/01/{GTIN}/21/S1", headers={"Accept": "application/ld+json"})
    assert machine.headers["content-type"] == "application/ld+json"
    body = machine.json()
    assert body["@type"] == "DigitalProductPassport" and body["@context"] == jsonld.CONTEXT_URL
    plain = anonymous_client.get(f"/01/{GTIN}/21/S1", headers={"Accept": "application/json"})
    assert plain.headers["content-type"] == "application/json" and "@context" not in plain.json()
    short = anonymous_client.get("/01/8712345001001/21/S1", headers={"Accept": "application/json"})
    assert short.json()["id"] == plain.json()["id"]
    assert (
        anonymous_client.get(f"/01/{GTIN}/21/NOPE", headers={"Accept": "application/json"}).status_code == 404
    )
    assert (
        anonymous_client.get(f"/01/{GTIN}/10/B1", headers={"Accept": "application/json"}).status_code == 404
    )
    assert anonymous_client.get(f"/01/{GTIN}/21/NOPE", headers=HTML).status_code == 404


def test_best_format_follows_quality_values() -> None:
    assert best_format("text/html,application/xhtml+xml,*/*;q=0.8") == "html"
    assert best_format("application/json;q=0.5, application/ld+json") == "jsonld"
    assert best_format("text/html;q=0.1, application/json") == "json"
    assert best_format("text/html;q=0, application/json;q=0.2") == "json"
    assert best_format(None) == "jsonld" and best_format("*/*") == "jsonld"
    assert best_format("text/*") == "html" and best_format("application/*;q=0.9") == "jsonld"
    assert best_format("image/png") is None and best_format("text/html;q=0") is None


def _png_matrix(data: bytes) -> np.ndarray:
    """Return a greyscale image of a PNG as segno writes it (bit depth 1, greyscale or palette)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks, width = 8, b"", 0
    while pos < len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth = int.from_bytes(body[:4], "big"), int.from_bytes(body[4:8], "big"), body[8]
            assert depth == 1
        elif kind == b"IDAT":
            chunks += body
        pos += 12 + length
    raw = zlib.decompress(chunks)
    stride = (width + 7) // 8
    rows = []
    prior = bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):  # PNG filters with one byte per pixel group (RFC 2083, section 6)
            left = line[i - 1] if i else 0
            up, corner = prior[i], prior[i - 1] if i else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        prior = line
        bits = np.unpackbits(np.frombuffer(bytes(line), dtype=np.uint8))[:width]
        rows.append(bits * 255)
    return np.array(rows, dtype=np.uint8)


def test_qr_codes_carry_the_digital_link(
    anonymous_client: TestClient, product: Product, engine: Engine
) -> None:
    _, item_uid = _issue(engine, "S1")
    png = anonymous_client.get(f"/api/passports/{item_uid}/qr.png")
    assert png.headers["content-type"] == "image/png"
    [code] = zxingcpp.read_barcodes(_png_matrix(png.content))
    assert code.text == f"{RESOLVER}/01/{GTIN}/21/S1"
    svg = anonymous_client.get(f"/api/passports/{item_uid}/qr.svg")
    assert svg.headers["content-type"] == "image/svg+xml" and svg.text.startswith("<svg xmlns=")


def test_jsonld_expands_with_the_published_context(
    anonymous_client: TestClient, product: Product, engine: Engine
) -> None:
    _, item_uid = _issue(engine, "S1")
    context = anonymous_client.get(jsonld.CONTEXT_PATH)
    assert context.headers["content-type"] == "application/ld+json"
    assert context.json() == jsonld.build_context() == json.loads(jsonld.CONTEXT_FILE.read_text())
    document = anonymous_client.get(f"/api/passports/{item_uid}/jsonld").json()

    def loader(url: str, options: dict[str, object]) -> dict[str, object]:
        assert url == document["@context"]
        return {"contextUrl": None, "documentUrl": url, "document": context.json()}

    [expanded] = pyld.expand(document, {"documentLoader": loader})
    passport = expanded[jsonld.VOCABULARY + "passport"][0]
    ident = passport[jsonld.PREFIXES["untp"] + "product"][0]
    assert ident["https://schema.org/gtin"][0]["@value"] == document["passport"]["identification"]["gtin"]
    assert ident["https://schema.org/hasGS1DigitalLink"][0]["@id"] == f"{RESOLVER}/01/{GTIN}/21/S1"
    assert expanded["@id"] == document["@id"]


def test_keys_are_published_and_the_cli_verifies_a_download(
    anonymous_client: TestClient, product: Product, engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    _issue(engine, "S1")
    keys = anonymous_client.get("/.well-known/jwks.json").json()
    assert keys["keys"][0]["kty"] == "OKP" and keys["keys"][0]["crv"] == "Ed25519"
    (tmp_path / "jwks.json").write_text(json.dumps(keys))
    (tmp_path / "passport.json").write_text(
        anonymous_client.get(f"/01/{GTIN}/21/S1", headers={"Accept": "application/ld+json"}).text
    )
    env = {**os.environ, "KETEN_DATABASE_URL": "sqlite:///nowhere-needed.db", "COLUMNS": "200"}

    def keten(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-c", "from keten.cli import main; main()", "passport", *args]
        return subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)

    ok = keten("verify", "passport.json", "--key", "jwks.json")
    # The item, and its model with the revision before the current one.
    assert ok.returncode == 0 and "3 signed revisions verified" in ok.stdout, ok.stderr
    tampered = json.loads((tmp_path / "passport.json").read_text())
    tampered["proof"][0]["content"]["identification"]["serialNumber"] = "S2"
    (tmp_path / "tampered.json").write_text(json.dumps(tampered))
    bad = keten("verify", "tampered.json", "--key", "jwks.json")
    assert bad.returncode == 1 and "changed after signing" in bad.stderr


def test_issue_revise_inputs_and_grants_through_the_api(
    client_as: Callable[[str], TestClient], product: Product, engine: Engine
) -> None:
    editor, admin = client_as("editor"), client_as("admin")
    issued = editor.post(
        "/api/passports", json={"part_number": "P-1", "level": "item", "serials": ["A1", "A2"]}
    )
    assert issued.status_code == 201 and [p["serial"] for p in issued.json()] == ["A1", "A2"]
    again = editor.post("/api/passports", json={"part_number": "P-1", "level": "item", "serials": ["A2"]})
    assert again.status_code == 409 and again.headers["content-type"] == "application/problem+json"
    bad = editor.post("/api/passports", json={"part_number": "P-1", "level": "item", "serials": ["no/slash"]})
    assert bad.status_code == 422
    listing = editor.get("/api/passports", params={"level": "model"}).json()
    assert listing["total"] == 1
    model_id = listing["items"][0]["id"]
    data = editor.get("/api/passport-inputs/P-1").json()
    data["warranty_years"] = 5
    assert editor.put("/api/passport-inputs/P-1", json=data).status_code == 200
    wrong = editor.put("/api/passport-inputs/P-1", json={**data, "gtin": "8712345001002"})
    assert wrong.status_code == 422 and "check digit" in wrong.text
    revised = editor.post(f"/api/passports/{model_id}/revise")
    assert revised.status_code == 201 and revised.json()["number"] == 2
    assert editor.post(f"/api/passports/{model_id}/revise").status_code == 200
    assert [r["number"] for r in editor.get(f"/api/passports/{model_id}/revisions").json()] == [1, 2]
    with Session(engine) as session:
        make_org(session, code="REC", name="Recycler", role="partner")
        session.commit()
    assert (
        editor.put("/api/passport-grants", json={"organization": "REC", "tier": "authority"}).status_code
        == 403
    )
    granted = admin.put("/api/passport-grants", json={"organization": "REC", "tier": "legitimate_interest"})
    assert granted.status_code == 200 and granted.json()[0]["tier"] == "legitimate_interest"
    assert admin.get("/api/passports-integrity").json() == {"ok": True, "problems": [], "count": 0}
    assert admin.delete("/api/passport-grants/REC").status_code == 204
    assert admin.get("/api/passport-grants").json() == []


def test_the_passport_list_page(
    client_as: Callable[[str], TestClient], product: Product, engine: Engine
) -> None:
    _issue(engine, "S1", "S2")
    page = client_as("viewer").get("/passports", params={"level": "item"}, headers=HTML)
    assert page.status_code == 200 and page.text.count("/passports/") >= 2 and "S2" in page.text


@pytest.mark.parametrize("tier", ["public", "owner"])
def test_the_page_shows_sections_by_tier(
    engine: Engine, settings: Settings, product: Product, tier: str
) -> None:
    with Session(engine) as session:
        [model] = service.issue(session, part_number="P-1", resolver=RESOLVER)
        uid = model.uid
        session.commit()
    with reader(engine, settings, tier) as client:
        page = client.get(f"/passports/{uid}", headers=HTML).text
    assert "Critical raw materials" in page and ("Aluminium 6061" in page) == (tier == "owner")
    assert ('id="owner"' in page) == (tier == "owner")
    assert ("Technical file" in page) == (tier == "owner")
    assert ("Unbolt A" in page) == (tier == "owner")


def test_a_batch_passport_resolves_by_its_batch_number(
    client_as: Callable[[str], TestClient], product: Product
) -> None:
    editor = client_as("editor")
    issued = editor.post("/api/passports", json={"part_number": "P-1", "level": "batch", "batch": "B-7"})
    assert issued.status_code == 201 and issued.json()[0]["digital_link"].endswith(f"/01/{GTIN}/10/B-7")
    body = editor.get(f"/01/{GTIN}/10/B-7", headers={"Accept": "application/json"}).json()
    ident = body["passport"]["identification"]
    assert ident["granularity"] == "batch" and ident["batchNumber"] == "B-7" and len(body["proof"]) == 2
    assert editor.post("/api/passports", json={"part_number": "P-1", "level": "batch"}).status_code == 422
