"""Every page a user reads, rendered in Dutch on the demo value chain, holds no English: no text equal
to an English label that has its own Dutch translation (a label left out of ``_()``), and no English
word a Dutch reader would stumble on. Numbers are written the Dutch way."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import JSON, String, Text, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.catalog.models import Part
from keten.dataio import demo
from keten.models import Base
from keten.passports.models import PassportRecord
from keten.resilience import service as resilience
from keten.resilience.models import RiskReport
from keten.ui.i18n import NL
from keten.ui.vocabulary import material_names
from tests.dataio.test_import_page import _form_of, _token, _with_headers

ENGLISH_WORDS = frozenset(
    re.split(
        r"\s+",
        """the and with without from which this that these those yet not been has have will would
    should there their your you into each every none nothing shows stored own stage stages supplier
    suppliers country countries materials parts total share revenue report page calculate issue
    energy purchased use life end unit units quantity weeks days years risk lost loss
    chain single source sources sourced house first largest why how what when who where""",
    )
)
"""Words that are English and not Dutch: one of them in a Dutch page is a string left untranslated."""

ALLOWED = (
    "PACT JSON",
    "IDTA Carbon Footprint",
    "Monte Carlo",
    "Swagger",
    "Digital Link",
    "Critical Raw Materials Act",
)
"""Proper names of standards and tools, read as they are in any language."""


class _VisibleText(HTMLParser):
    """Collects the text a reader sees: text nodes outside script and style, and the titles,
    labels and placeholders shown on hover or in empty fields."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "code", "pre"):
            self._hidden += 1
        for name, value in attrs:
            if name in ("title", "aria-label", "placeholder", "alt") and value:
                self.texts.append(value)
            elif name in ("data-chart", "data-map") and value:
                # A chart's labels, axis titles and legend are read as much as the page.
                self.texts.extend(_strings(json.loads(value)))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "code", "pre"):
            self._hidden = max(self._hidden - 1, 0)

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.texts.append(" ".join(data.split()))


@functools.cache
def _whole(*names: str) -> re.Pattern[str]:
    """Return a pattern of ``names`` as whole words, longest first."""
    ordered = sorted(names, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in ordered) + r")(?!\w)")


def english_in(
    html: str, names: frozenset[str] = frozenset(), parts: frozenset[str] = frozenset()
) -> list[str]:
    """Return the visible strings of ``html`` that are English: an English label, or a material
    name of keten's vocabulary (unless it is the name of one of the company's ``parts``), with a
    different Dutch translation, or text holding an English word (outside ``names`` and ``ALLOWED``)."""
    parser = _VisibleText()
    parser.feed(html)
    found = []
    materials = material_names("nl")
    for text in parser.texts:
        if (text in NL and NL[text] != text) or (materials.get(text, text) != text and text not in parts):
            found.append(text)
            continue
        cleaned = _whole(*ALLOWED, *names).sub(" ", text)
        cleaned = re.sub(r"\S+\.(csv|xlsx|json|pdf|html)\b", " ", cleaned)
        words = {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z-]*", cleaned)}
        if words & ENGLISH_WORDS:
            found.append(text)
    return found


@pytest.fixture
def dutch(engine: Engine, client_as: Callable[[str], TestClient]) -> Iterator[TestClient]:
    """Yield an admin's client reading in Dutch, on the demo value chain with a risk report."""
    with Session(engine) as session:
        demo.load(session, passports=True, resolver="http://testserver")
        demo.load_exchange(session)
        context = resilience.report_context(session)
        resilience.save_report(
            session, context=context, html=resilience.render_report(context, "nl"), username="demo"
        )
        session.commit()
    client = client_as("admin")
    client.cookies.set("keten_lang", "nl")
    yield client


def _names(engine: Engine) -> frozenset[str]:
    """Return every text stored in the database: names, descriptions and notes are the company's
    own data, in its own words, not labels of keten's."""
    found: set[str] = set()
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, String | Text | JSON):
                    # PostgreSQL has no equality on json, so its columns cannot be DISTINCT.
                    query = select(column) if isinstance(column.type, JSON) else select(column).distinct()
                    for value in conn.scalars(query):
                        found.update(_strings(value))
    # The sources of the reference data are cited as published.
    found.update(m["source"] for m in resilience.crm_list())
    return frozenset(v for v in found if len(v) > 3)


def _part_names(engine: Engine) -> frozenset[str]:
    """Return the names of the company's parts: a part may be named as a material is."""
    with engine.connect() as conn:
        return frozenset(conn.scalars(select(Part.name)))


def _strings(value: object) -> Iterator[str]:
    """Yield every string in ``value``, a stored text or a JSON document."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _pages(engine: Engine) -> list[str]:
    with Session(engine) as session:
        passport = session.scalars(select(PassportRecord.uid).order_by(PassportRecord.id)).first()
        report = session.scalars(select(RiskReport.id)).first()
    return [
        "/",
        "/parts",
        "/parts/WS-1000",
        "/parts/WS-1300",
        "/parts/MAT-CUWIRE",
        "/organizations",
        "/unsourced",
        "/footprints",
        "/footprints/WS-1000",
        "/footprints/WS-1000/uncertainty",
        "/footprints/WS-1000/what-if?change=site&site=BPS-1&value=0",
        "/exchange",
        "/exchange/grants",
        "/exchange/log",
        "/exchange/requests",
        "/risk",
        "/risk/critical",
        "/risk/crm",
        "/risk/scenario",
        "/risk/scenario?node=country:CN&node=supplier:HOKU-MAG&weeks=8",
        f"/risk/reports/{report}",
        "/risk/mitigations?node=country:CN",
        "/passports",
        f"/passports/{passport}",
        "/lifecycle",
        f"/lifecycle/machines/{demo.DEMO_GTIN}/{demo.DEMO_SERIALS[1]}",
        f"/lifecycle/machines/{demo.DEMO_GTIN}/{demo.DEMO_SERIALS[0]}",
        "/lifecycle/circularity/WS-1000?collected_for_recycling=0.8&collected_for_reuse=0.1",
        "/users",
        "/account",
        "/docs",
        "/import",
        "/parts/NO-SUCH-PART",
    ]


# A Dutch ERP export with an error of every sort a first import meets: a column keten cannot
# place, a word for a number, an unknown unit, a value outside keten's list, a file keten cannot
# tell the kind of, an empty file and one of another type.
ARTIKELEN = (
    "Nummer;Omschrijving;Artikelsoort;Eenheid;Gewicht (g);Opmerking\r\n"
    "WT-1000;Wafertafel compleet;product;stuks;125.400,5;\r\n"
    "LM-200;Lineaire motor;assembly;emmers;12.000;\r\n"
    "MB-016;Magneetblok;onderdeel;stuks;-250,5;gecoat\r\n"
).encode("cp1252")
STUKLIJST = (
    b"Hoofdartikel;Artikelnummer;Aantal;Positie\r\nWT-1000;LM-200;2;10\r\nLM-200;MB-016;zestien;10\r\n"
)
NOTITIES = b"Datum;Tekst\r\n2026-12-01;Nagekeken\r\n"


def _import_pages(client: TestClient) -> dict[str, str]:
    """Return the import page at each step a Dutch user sees it: errors, a corrected mapping with
    its preview, and the import done."""
    files = [
        ("files", ("Artikelen.csv", ARTIKELEN, "text/csv")),
        ("files", ("stuklijst_export.csv", STUKLIJST, "text/csv")),
        ("files", ("notities.csv", NOTITIES, "text/csv")),
        ("files", ("leeg.csv", b"", "text/csv")),
        ("files", ("tekening.pdf", b"%PDF-1.7", "application/pdf")),
    ]
    errors = client.post("/import", files=files)
    assert errors.status_code == 200 and 'data-testid="import-errors"' in errors.text
    for dutch in (
        "verplichte kolom onderdeelnummer ontbreekt",
        "aantal: &#39;zestien&#39; is geen hoeveelheid",
        "noch de naam noch de kolommen",
        "is leeg; verwacht een kopregel",
        "heeft de extensie &#39;.pdf&#39;",
    ):
        assert dutch in errors.text, dutch
    token = _token(errors.text)
    form = _form_of(errors.text)
    form["col-0-0"] = "part_number"
    corrected = client.post(f"/import/{token}", data=_with_headers(form, errors.text))
    assert 'data-testid="preview"' in corrected.text and "massa (kg)" in corrected.text
    for dutch in (
        "eenheid: onbekende eenheid &#39;emmers&#39;",
        "soort: &#39;onderdeel&#39; is geen van product, assembly",
    ):
        assert dutch in corrected.text, dutch
    return {"/import (errors)": errors.text, "/import (corrected mapping)": corrected.text}


def test_no_page_holds_english_when_read_in_dutch(dutch: TestClient, engine: Engine) -> None:
    with Session(engine) as session:
        passport = session.scalars(select(PassportRecord.uid).order_by(PassportRecord.id)).first()
        report = session.scalars(select(RiskReport.id)).first()
    names, parts = _names(engine), _part_names(engine)
    problems: dict[str, list[str]] = {}
    shown: dict[str, set[str]] = {}
    dutch_materials = set(material_names("nl").values())
    for path in _pages(engine):
        page = dutch.get(path, headers={"Accept": "text/html"})
        assert page.status_code in (200, 404), (path, page.status_code)
        shown[path] = {m for m in dutch_materials if f">{m}<" in page.text or f">{m} <" in page.text}
        found = english_in(page.text, names, parts)
        if found:
            problems[path] = found
    for step, html in _import_pages(dutch).items():
        problems.update({step: found} if (found := english_in(html, names, parts)) else {})
    invalid = dutch.post("/users", data={"username": "x"}, headers={"Accept": "text/html"})
    assert invalid.status_code == 422 and "verplicht veld" in invalid.text
    problems.update({"/users (invalid)": found} if (found := english_in(invalid.text, names, parts)) else {})
    assert not problems, f"English in Dutch pages: {problems}"
    # Material names are shown in Dutch wherever a page names a material.
    for path, material in (
        ("/parts/MAT-CUWIRE", "Koper"),
        ("/footprints/WS-1000", "Roestvast staal 316L"),
        ("/risk/crm", "Zware zeldzame aardmetalen"),
        (f"/passports/{passport}", "Aluminiumlegering 6061"),
        (f"/risk/reports/{report}", "Wolfraam"),
    ):
        assert material in shown[path], (path, material)
    footprint = dutch.get("/footprints/WS-1000").text
    assert re.search(r"\d,\d\u00a0%", footprint) and not re.search(r"\d\.\d\u00a0%", footprint)
    assert re.search(r"\d\u202f\d{3}", footprint)  # thousands grouped, no "e-05" anywhere
    assert not re.search(r"\de[-+]\d", footprint)


def test_the_scan_finds_an_untranslated_label_and_an_english_sentence() -> None:
    assert english_in("<p>Overview</p>") == ["Overview"]
    assert english_in('<td title="Total of the stage">12</td>') == ["Total of the stage"]
    assert english_in("<p>Overzicht</p><p>PACT JSON</p><script>var the = 1;</script>") == []
    assert english_in("<td>Stainless steel 316L <span>SS316L</span></td>") == ["Stainless steel 316L"]
    assert english_in("<td>Roestvast staal 316L</td><td>Aluminium</td>") == []
