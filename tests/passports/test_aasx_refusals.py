"""A broken or oversized AASX is refused in words: which file, which part, what is wrong, and for a
package too large, the limit and the setting that sets it. Nothing is written."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from basyx.aas.adapter import aasx
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from keten.app import create_app
from keten.dataio import demo
from keten.footprints import service as footprints
from keten.footprints.models import SupplierPcf
from keten.passports import aas, aas_export
from keten.passports.aasx_package import AasxLimits
from keten.problems import Problem
from keten.settings import Settings
from tests.conftest import make_user

AASX = "application/asset-administration-shell-package+xml"
PART = "LM-2000"
SPEC = "aasx/data.json"


@pytest.fixture
def oem(session: Session) -> Session:
    demo.load(session)
    footprints.calculate(session, part_number=PART)
    session.flush()
    return session


def _members(session: Session, *, xml: bool = False) -> dict[str, bytes]:
    """Return the members of a good package of the part (its AAS in JSON, or in XML)."""
    content = aas_export.product_content(session, part_number=PART, tier="owner")
    store, files, summary = aas_export.build_environment(content)
    buffer = io.BytesIO()
    with aasx.AASXWriter(buffer) as writer:
        writer.write_aas(summary.aas_id, store, files, write_json=not xml)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        return {n: archive.read(n) for n in archive.namelist()}


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _environment(members: dict[str, bytes], change: Callable[[dict[str, Any]], Any]) -> dict[str, bytes]:
    environment = json.loads(members[SPEC])
    changed = change(environment)
    return {**members, SPEC: json.dumps(environment if changed is None else changed).encode()}


def _refused(session: Session, data: bytes, name: str = "supplier.aasx", **kwargs: Any) -> Problem:
    before = session.scalar(select(func.count()).select_from(SupplierPcf))
    with pytest.raises(Problem) as caught:
        aas.import_aasx(session, path=io.BytesIO(data), file_name=name, **kwargs)
    assert session.scalar(select(func.count()).select_from(SupplierPcf)) == before
    assert "object at 0x" not in str(caught.value) and "pop from empty list" not in str(caught.value)
    assert str(caught.value).startswith(f"{name}: ")
    return caught.value


def _first_property_without_value_type(environment: dict[str, Any]) -> None:
    nameplate = next(s for s in environment["submodels"] if s["idShort"] == "Nameplate")
    for element in nameplate["submodelElements"]:
        if element["modelType"] == "Property":
            del element["valueType"]
            return


CASES: dict[str, tuple[Callable[[dict[str, bytes]], bytes], str]] = {
    "empty": (lambda m: b"", "file: is empty; an AASX package is a ZIP archive"),
    "not a zip": (lambda m: b"%PDF-1.7 a datasheet", "file: is not a ZIP archive, so not an AASX package"),
    "a zip of something else": (
        lambda m: _zip({"notes.txt": b"hello"}),
        "package: has no [Content_Types].xml: it is a ZIP archive, but no OPC package",
    ),
    "an OPC package without the AAS": (
        lambda m: _zip({"[Content_Types].xml": m["[Content_Types].xml"]}),
        "_rels/.rels: names no aasx-origin part: it is an OPC package, but no AASX",
    ),
    "the AAS part missing": (
        lambda m: _zip({k: v for k, v in m.items() if k != SPEC}),
        f"{SPEC}: is named as the AAS environment, but the package does not hold it",
    ),
    "broken JSON": (
        lambda m: _zip({**m, SPEC: m[SPEC][:40]}),
        f"{SPEC}: is not valid JSON: ",
    ),
    "JSON of another shape": (lambda m: _zip({**m, SPEC: b"[1, 2]"}), "holds a list, not the object"),
    "submodels of the wrong type": (
        lambda m: _zip(_environment(m, lambda e: e.update(submodels=5))),
        f"{SPEC}/submodels: is a number, not a list",
    ),
    "a submodel of the wrong type": (
        lambda m: _zip(_environment(m, lambda e: e.update(submodels=["Nameplate"]))),
        f"{SPEC}/submodels[0]: is a text, not an object",
    ),
    "missing submodels": (
        lambda m: _zip(
            _environment(
                m, lambda e: e.update(submodels=[s for s in e["submodels"] if s["idShort"] != "Nameplate"])
            )
        ),
        f"has no Digital Nameplate submodel (semanticId {aas.NAMEPLATE_SUBMODEL}); the shell refers to "
        f"submodels it does not hold: urn:keten:submodel:nameplate:{PART}",
    ),
    "a property without its value type": (
        lambda m: _zip(_environment(m, _first_property_without_value_type)),
        f"{SPEC}: does not follow the AAS metamodel 3.0: ",
    ),
    "an unknown model type": (
        lambda m: _zip(_environment(m, lambda e: e["submodels"][0].update(modelType="Banana"))),
        f"{SPEC}: does not follow the AAS metamodel 3.0: ",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_malformed_package_is_refused_in_words(oem: Session, case: str) -> None:
    make, expected = CASES[case]
    problem = _refused(oem, make(_members(oem)))
    assert problem.status == 422 and expected in str(problem), str(problem)
    assert problem.errors and problem.errors[0]["file"] == "supplier.aasx"


def test_broken_xml_is_refused_naming_the_part(oem: Session) -> None:
    members = _members(oem, xml=True)
    (spec,) = [n for n in members if n.startswith("aasx/") and n.endswith(".xml")]
    problem = _refused(oem, _zip({**members, spec: members[spec][: len(members[spec]) // 2]}))
    assert f"{spec}: is not well-formed XML" in str(problem)
    # The same package whole imports.
    assert (
        aas.import_aasx(oem, path=io.BytesIO(_zip(members)), organization="KEMPEN-MECH").part_number == PART
    )


def test_a_zip_bomb_is_refused_before_it_is_unpacked(oem: Session) -> None:
    # 60 MiB of zeros pack into some 60 kB: a member no nameplate needs, larger than a part may be.
    bomb = _zip({**_members(oem), "aasx/files/padding.bin": bytes(60 * 1024 * 1024)})
    assert len(bomb) < 200_000
    problem = _refused(oem, bomb)
    assert problem.status == 413
    assert "member aasx/files/padding.bin: unpacks to 62,914,560 bytes, more than the 52,428,800" in str(
        problem
    )
    assert "(setting KETEN_AASX_MAX_MEMBER_BYTES)" in str(problem)
    small = AasxLimits(max_bytes=10_000_000, max_member_bytes=10_000_000, max_unpacked_bytes=1_000)
    many = _zip(_members(oem))
    problem = _refused(oem, many, limits=small)
    assert problem.status == 413 and "(setting KETEN_AASX_MAX_UNPACKED_BYTES)" in str(problem)
    problem = _refused(oem, many, limits=AasxLimits(max_bytes=1_000))
    assert problem.status == 413
    assert "file: is larger than the 1,000 bytes an AASX import allows" in str(problem)
    assert "(setting KETEN_AASX_MAX_BYTES)" in str(problem)


def test_the_api_says_the_limit_and_names_the_upload(oem: Session, settings: Settings, engine: Any) -> None:
    good = _zip(_members(oem))
    oem.commit()
    capped = settings.model_copy(update={"aasx_max_bytes": len(good) - 1})
    app = create_app(capped)
    headers = {"Authorization": f"Bearer {make_user(engine, 'editor')}"}
    try:
        with TestClient(app, headers=headers) as client:
            answer = client.post("/api/passport-aasx", files={"file": ("big.aasx", good, AASX)})
            assert answer.status_code == 413, answer.text
            body = answer.json()
            assert answer.headers["content-type"] == "application/problem+json"
            assert "big.aasx: file: is" in body["detail"] and "KETEN_AASX_MAX_BYTES" in body["detail"]
            broken = client.post("/api/passport-aasx", files={"file": ("notes.aasx", b"not a package", AASX)})
            assert broken.status_code == 422
            assert broken.json()["detail"] == "notes.aasx: file: is not a ZIP archive, so not an AASX package"
    finally:
        app.state.engine.dispose()
