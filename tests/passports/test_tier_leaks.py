"""No format shows a reader a field above their tier: HTML, JSON, JSON-LD, AAS JSON, the AASX with
every file inside it, the resolver for every Accept it serves, and the command-line exports.

Two ways round. On the demo passports, the values only a higher tier may read (supplier names,
the as-built modules' part numbers, the factor set, ...) are taken from the owner's download and
searched for in every byte of every lower tier's output. On marker content, every field holds a
value naming its tier, and no output may hold a marker of a higher tier.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from keten.dataio import demo
from keten.passports import service
from keten.passports.cli import passport_app
from keten.passports.models import TIERS
from keten.passports.schemas import PassportContent, tier_of
from keten.settings import Settings, get_settings

from .conftest import GTIN, RESOLVER, Product, marker_content, reader

AASX = "application/asset-administration-shell-package+xml"
ACCEPTS = ("text/html", "application/json", "application/ld+json", "application/aas+json", AASX)
MARKER = re.compile(rb"MRK(\d)T\d{5}X")


def _unpacked(name: str, package: bytes) -> Iterator[tuple[str, bytes]]:
    """Yield the package's raw bytes, its list of members and every member, uncompressed."""
    yield name, package
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        yield f"{name} member names", "\n".join(archive.namelist()).encode()
        for member in archive.namelist():
            yield f"{name} {member}", archive.read(member)


def _http_outputs(client: TestClient, passports: dict[str, str], links: list[str]) -> dict[str, bytes]:
    """Return every answer a reader gets of the passports (by id) and of their Digital Links."""
    out: dict[str, bytes] = {}

    def get(name: str, path: str, accept: str | None = None) -> None:
        answer = client.get(path, headers={"Accept": accept} if accept else {})
        assert answer.status_code == 200, (name, answer.text[:300])
        if answer.headers["content-type"] == AASX:
            out.update(_unpacked(name, answer.content))
        else:
            out[name] = answer.content

    for label, uid in passports.items():
        get(f"{label} JSON", f"/api/passports/{uid}")
        get(f"{label} JSON-LD", f"/api/passports/{uid}/jsonld")
        get(f"{label} page", f"/passports/{uid}", "text/html")
        get(f"{label} AAS JSON", f"/api/passports/{uid}/aas.json")
        get(f"{label} AASX", f"/api/passports/{uid}/aas.aasx")
    for link in links:
        for accept in ACCEPTS:
            get(f"resolver {link} {accept}", link, accept)
    return out


def _cli_outputs(
    settings: Settings,
    tier: str,
    passports: dict[str, str],
    exports: dict[str, tuple[str, str | None]],
    folder: Path,
) -> dict[str, bytes]:
    """Return what the commands export at ``tier``: each passport as JSON and JSON-LD, and as AASX."""
    runner = CliRunner()
    out: dict[str, bytes] = {}
    for label, uid in passports.items():
        for fmt in ("json", "jsonld"):
            done = runner.invoke(passport_app, ["export", uid, "--tier", tier, "--format", fmt])
            assert done.exit_code == 0, done.output
            out[f"keten passport export {label} {fmt}"] = done.stdout.encode()
    for label, (part_number, serial) in exports.items():
        target = folder / f"{label}-{tier}.aasx"
        args = ["aasx-export", part_number, "--out", str(target), "--tier", tier]
        done = runner.invoke(passport_app, args + (["--serial", serial] if serial else []))
        assert done.exit_code == 0, done.output
        out.update(_unpacked(f"keten passport aasx-export {label}", target.read_bytes()))
    return out


@pytest.fixture
def cli_database(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Point the commands at the test database for the test."""
    monkeypatch.setenv("KETEN_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("KETEN_RESOLVER_URL", RESOLVER)
    get_settings.cache_clear()
    yield settings
    get_settings.cache_clear()


def _outputs(
    engine: Engine,
    settings: Settings,
    tier: str,
    passports: dict[str, str],
    links: list[str],
    exports: dict[str, tuple[str, str | None]],
    folder: Path,
) -> dict[str, bytes]:
    with reader(engine, settings, tier) as client:
        found = _http_outputs(client, passports, links)
    return found | _cli_outputs(settings, tier, passports, exports, folder)


# --- forbidden values from the owner's download -----------------------------------------------


def _nested(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        if (found := _nested(arg)) is not None:
            return found
    return None


def _strings(value: Any, *, keys: bool = False) -> Iterator[str]:
    """Yield the texts in ``value``; with ``keys`` the keys of its objects too."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if keys:
                yield str(key)
            yield from _strings(item, keys=keys)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, keys=keys)


def _by_rank(model: type[BaseModel], data: dict[str, Any], rank: int, into: dict[str, int]) -> None:
    """Add every text of ``data`` to ``into`` with the rank of the least tier that may read it there."""
    for name, info in model.model_fields.items():
        key = info.alias or name
        if key not in data:
            continue
        tier = tier_of(info.metadata)
        assert tier is not None
        here = max(rank, TIERS.index(tier))
        nested = _nested(info.annotation)
        values = data[key] if isinstance(data[key], list) else [data[key]]
        for value in values:
            if nested is not None and isinstance(value, dict):
                _by_rank(nested, value, here, into)
            else:
                for text in _strings(value):
                    into[text] = min(into.get(text, here), here)


def _forbidden(owner_views: list[dict[str, Any]], tier_views: list[dict[str, Any]], rank: int) -> set[str]:
    """Return the texts of fields above ``rank`` that the tier's own views do not hold anywhere."""
    ranks: dict[str, int] = {}
    for owner_view in owner_views:
        _by_rank(PassportContent, owner_view, 0, ranks)
    # Keys of free-form values (a contributor's "share") name fields; a tier sees the names it reads.
    visible = list(_strings(tier_views, keys=True))
    return {
        text
        for text, least in ranks.items()
        if least > rank and len(text) >= 4 and not any(text in seen for seen in visible)
    }


@pytest.fixture
def demo_passports(engine: Engine) -> dict[str, str]:
    with Session(engine) as session:
        demo.load(session, passports=True, resolver=RESOLVER)
        session.commit()
        model = service.find(session, gtin=GTIN)
        item = service.find(session, gtin=GTIN, serial=demo.DEMO_SERIALS[0])
        return {"model": model.uid, "item": item.uid}


def test_no_value_above_a_tier_is_anywhere_in_any_output_of_the_demo(
    engine: Engine, settings: Settings, demo_passports: dict[str, str], cli_database: Settings, tmp_path: Path
) -> None:
    serial = demo.DEMO_SERIALS[0]
    links = [f"/01/{GTIN}", f"/01/{GTIN}/21/{serial}"]
    exports = {"model": ("WS-1000", None), "item": ("WS-1000", serial)}
    with Session(engine) as session:
        owner = {k: service.document(session, passport_id=v, tier="owner") for k, v in demo_passports.items()}
        views = {
            tier: {k: service.document(session, passport_id=v, tier=tier) for k, v in demo_passports.items()}
            for tier in TIERS
        }
    supplier = "Kempen Mechatronica B.V."
    assert supplier in owner["model"]["passport"]["owner"]["suppliers"]
    factor_set = owner["model"]["passport"]["carbonFootprint"]["factorSet"]
    module = owner["item"]["passport"]["asBuilt"][0]["name"]
    for rank, tier in enumerate(TIERS[:-1]):
        forbidden = _forbidden(
            [d["passport"] for d in owner.values()], [d["passport"] for d in views[tier].values()], rank
        )
        # The search looks for what the issue found leaking, among everything else above the tier.
        assert supplier in forbidden
        assert (factor_set in forbidden) == (rank < TIERS.index("authority"))
        assert (module in forbidden) == (rank < TIERS.index("legitimate_interest"))
        outputs = _outputs(engine, settings, tier, demo_passports, links, exports, tmp_path)
        leaks = sorted(
            (name, text) for name, data in outputs.items() for text in forbidden if text.encode() in data
        )
        assert leaks == [], f"{tier} reads values above its tier: {leaks[:20]}"
    # The search finds what is there: the owner's own downloads hold every value.
    owner_outputs = _outputs(engine, settings, "owner", demo_passports, links, exports, tmp_path)
    assert supplier.encode() in owner_outputs["model JSON"]
    assert module.encode() in owner_outputs["item AAS JSON"]


# --- markers in every field -------------------------------------------------------------------

REGULATORY_FIELDS = (
    "economicOperator.operatorId",
    "economicOperator.address",
    "importer.name",
    "importer.operatorId",
    "importer.address",
    "importer.eori",
    "authorisedRepresentative.name",
    "authorisedRepresentative.operatorId",
    "authorisedRepresentative.address",
    "authorisedRepresentative.eori",
    "facility.facilityId",
    "composition.substancesOfConcern",
    "carbonFootprint.standard",
    "carbonFootprint.performanceClass",
    "carbonFootprint.studyUrl",
    "carbonFootprint.lifeCycleStages",
    "circularity.repairabilityMethod",
    "labels.name",
    "labels.legislation",
    "labels.url",
    "labels.issuedBy",
    "registration",
    "dueDiligenceReport.title",
    "dueDiligenceReport.url",
    "dueDiligenceReport.issuedBy",
)
"""The fields of keten.passports.regulatory that the AAS environment itself maps (besides the
signed download the package carries): each marker the tier reads must be in the AAS JSON."""


def _at(value: Any, path: list[str]) -> Iterator[Any]:
    if not path:
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _at(item, path)
    elif isinstance(value, dict) and path[0] in value:
        yield from _at(value[path[0]], path[1:])


def _regulatory_markers(view: dict[str, Any]) -> set[str]:
    """Return the markers of the regulatory fields in a tier's view."""
    found = set()
    for field in REGULATORY_FIELDS:
        for value in _at(view, field.split(".")):
            found.update(text for text in _strings(value) if MARKER.fullmatch(text.encode()))
    return found


def test_no_marker_above_a_tier_is_in_any_output(
    engine: Engine, settings: Settings, product: Product, cli_database: Settings, tmp_path: Path
) -> None:
    with Session(engine) as session:
        [model] = service.issue(session, part_number="P-1", resolver=RESOLVER)
        service.revise(session, passport_id=model.uid, resolver=RESOLVER, content=marker_content())
        [item] = service.issue(session, part_number="P-1", level="item", serials=["S1"], resolver=RESOLVER)
        session.commit()
        passports = {"model": model.uid, "item": item.uid}
    links = [f"/01/{GTIN}", f"/01/{GTIN}/21/S1"]
    exports = {"model": ("P-1", None), "item": ("P-1", "S1")}
    for rank, tier in enumerate(TIERS):
        with Session(engine) as session:
            view = service.document(session, passport_id=passports["model"], tier=tier)["passport"]
        outputs = _outputs(engine, settings, tier, passports, links, exports, tmp_path)
        above = sorted(
            (name, int(r)) for name, data in outputs.items() for r in MARKER.findall(data) if int(r) > rank
        )
        assert above == [], f"{tier} reads markers of higher tiers: {above[:20]}"
        # Each tier's AAS shows its own tier's fields: the markers prove the AAS is of the view.
        aas_ranks = {int(r) for name, data in outputs.items() if "AAS" in name for r in MARKER.findall(data)}
        assert max(aas_ranks) == rank, (tier, aas_ranks)
        # The regulatory fields the tier reads are elements of the shell, not only of the download.
        expected = _regulatory_markers(view)
        # Regulatory fields sit at public, legitimate interest (a substance's handling) and
        # authority (the back-up copy): the tier reads those of its own rank and below.
        assert {int(m[3:4]) for m in expected} == {0, 1, 2} & set(range(rank + 1)), (tier, expected)
        for name in ("model AAS JSON", "item AAS JSON"):
            missing = sorted(m for m in expected if m.encode() not in outputs[name])
            assert missing == [], (tier, name, missing)
